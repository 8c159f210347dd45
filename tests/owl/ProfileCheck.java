// OWL 2 DL profile check with the OWL API (Debian's libowlapi-java, 5.1.x).
// Usage: java -cp <owlapi jars> tests/owl/ProfileCheck.java FILE...
// Prints every violation, the loader's unparsed triples, and one summary line per file:
//   FILE: N violations, M unparsed triples
// Exit status 0 when every file has neither, 1 otherwise, 2 on a load error.
import java.io.File;
import java.util.List;
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.model.OWLDocumentFormat;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.profiles.OWL2DLProfile;
import org.semanticweb.owlapi.profiles.OWLProfileReport;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;

public class ProfileCheck {
    public static void main(String[] args) throws Exception {
        int status = 0;
        for (String path : args) {
            OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
            OWLOntology ontology;
            try {
                ontology = manager.loadOntologyFromOntologyDocument(new File(path));
            } catch (Exception e) {
                System.out.println(path + ": cannot load: " + e);
                System.exit(2);
                return;
            }
            OWLProfileReport report = new OWL2DLProfile().checkOntology(ontology);
            List<OWLProfileViolation> violations = report.getViolations();
            for (OWLProfileViolation v : violations) {
                System.out.println("violation: " + v.getClass().getSimpleName() + ": " + v);
            }
            int unparsed = 0;
            OWLDocumentFormat format = manager.getOntologyFormat(ontology);
            if (format != null && format.getOntologyLoaderMetaData().isPresent()) {
                var meta = format.getOntologyLoaderMetaData().get();
                for (Object t : meta.getUnparsedTriples().toArray()) {
                    System.out.println("unparsed triple: " + t);
                    unparsed++;
                }
            }
            System.out.println(path + ": " + violations.size() + " violations, " + unparsed
                + " unparsed triples, " + ontology.getAxiomCount() + " axioms");
            if (!violations.isEmpty() || unparsed > 0) {
                status = 1;
            }
        }
        System.exit(status);
    }
}
