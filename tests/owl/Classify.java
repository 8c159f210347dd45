// Classification with HermiT (the HermiT.jar that PyPI's owlready2 ships, with its own OWL API).
// Usage: java -cp HermiT.jar tests/owl/Classify.java FILE...
// Loads each file, refuses datatypes outside the OWL 2 datatype map (HermiT's default), checks
// consistency, classifies classes and properties and prints one summary line per file:
//   FILE: consistent, N classes, M unsatisfiable
// followed by one "unsatisfiable: IRI" line per unsatisfiable class. Exit status 0 when every
// file is consistent with no unsatisfiable class, 1 otherwise, 2 when HermiT refuses a file.
import java.io.File;
import org.semanticweb.HermiT.Configuration;
import org.semanticweb.HermiT.Reasoner;
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.model.OWLClass;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.reasoner.InferenceType;

public class Classify {
    public static void main(String[] args) throws Exception {
        int status = 0;
        for (String path : args) {
            OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
            Reasoner reasoner;
            OWLOntology ontology;
            try {
                ontology = manager.loadOntologyFromOntologyDocument(new File(path));
                Configuration config = new Configuration();
                config.throwInconsistentOntologyException = false;
                reasoner = new Reasoner(config, ontology);
            } catch (Exception e) {
                System.out.println(path + ": refused: " + e);
                System.exit(2);
                return;
            }
            if (!reasoner.isConsistent()) {
                System.out.println(path + ": inconsistent");
                status = 1;
                continue;
            }
            reasoner.precomputeInferences(InferenceType.CLASS_HIERARCHY,
                InferenceType.OBJECT_PROPERTY_HIERARCHY, InferenceType.DATA_PROPERTY_HIERARCHY);
            int classes = ontology.getClassesInSignature().size();
            var unsatisfiable = reasoner.getUnsatisfiableClasses().getEntitiesMinusBottom();
            System.out.println(path + ": consistent, " + classes + " classes, "
                + unsatisfiable.size() + " unsatisfiable (HermiT " + version(reasoner) + ")");
            for (OWLClass c : unsatisfiable) {
                System.out.println("unsatisfiable: " + c.getIRI());
                status = 1;
            }
            reasoner.dispose();
        }
        System.exit(status);
    }

    private static String version(Reasoner reasoner) {
        var v = reasoner.getReasonerVersion();
        return v.getMajor() + "." + v.getMinor() + "." + v.getPatch() + "." + v.getBuild();
    }
}
