"""Harvesting: DCAT in JSON-LD and Turtle (parsed back with rdflib) and Project Open Data 1.1."""

from django.test import Client
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF


def _graph(body: bytes, fmt: str) -> Graph:
    g = Graph()
    g.parse(data=body.decode(), format=fmt)
    return g


def _check(g: Graph) -> None:
    datasets = set(g.subjects(RDF.type, DCAT.Dataset))
    assert datasets == {
        URIRef("http://testserver/du-lieu/do-man-song/"),
        URIRef("http://testserver/du-lieu/dien-tich-dua/"),
    }  # not the private one
    catalog = next(g.subjects(RDF.type, DCAT.Catalog))
    assert set(g.objects(catalog, DCAT.dataset)) == datasets
    node = URIRef("http://testserver/du-lieu/do-man-song/")
    assert str(g.value(node, DCTERMS.title)) == "Độ mặn nước sông Bến Tre"
    assert {str(k) for k in g.objects(node, DCAT.keyword)} == {"độ mặn", "nước"}
    assert g.value(node, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    publisher = g.value(node, DCTERMS.publisher)
    assert publisher is not None
    period = g.value(node, DCTERMS.temporal)
    assert str(g.value(period, DCAT.startDate)) == "2020-02-01"
    assert len(list(g.objects(node, DCTERMS.spatial))) == 2
    distributions = list(g.objects(node, DCAT.distribution))
    assert len(distributions) == 2
    urls = {str(g.value(d, DCAT.accessURL)) for d in distributions}
    assert "https://example.vn/ban-tin.pdf" in urls
    downloads = [
        g.value(d, DCAT.downloadURL) for d in distributions if g.value(d, DCAT.downloadURL)
    ]
    assert len(downloads) == 1 and "/tai-nguyen/" in str(downloads[0])
    media = {str(g.value(d, DCAT.mediaType)) for d in distributions} - {"None"}
    assert media == {"https://www.iana.org/assignments/media-types/text/csv"}


def test_jsonld_catalogue_parses_and_lists_public_datasets(catalogue):
    response = Client().get("/catalog.jsonld")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    _check(_graph(response.content, "json-ld"))


def test_turtle_catalogue_parses_and_lists_public_datasets(catalogue):
    response = Client().get("/catalog.ttl")
    assert response["Content-Type"].startswith("text/turtle")
    _check(_graph(response.content, "turtle"))


def test_data_json_has_the_required_fields(catalogue):
    body = Client().get("/data.json").json()
    assert body["conformsTo"] == "https://project-open-data.cio.gov/v1.1/schema"
    assert len(body["dataset"]) == 2
    required = {
        "title",
        "description",
        "keyword",
        "modified",
        "publisher",
        "contactPoint",
        "identifier",
        "accessLevel",
    }
    for d in body["dataset"]:
        assert required <= set(d), required - set(d)
        assert d["keyword"] and d["publisher"]["name"]
        assert d["contactPoint"]["hasEmail"].startswith("mailto:") and d["contactPoint"]["fn"]
        assert d["accessLevel"] == "public"
        for dist in d["distribution"]:
            assert "downloadURL" in dist or "accessURL" in dist
    salinity = next(d for d in body["dataset"] if d["title"].startswith("Độ mặn"))
    assert salinity["temporal"] == "2020-02-01/2020-02-05"
    assert salinity["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert salinity["accrualPeriodicity"] == "R/P1D"
    assert {dist["mediaType"] for dist in salinity["distribution"] if "mediaType" in dist} == {
        "text/csv"
    }
