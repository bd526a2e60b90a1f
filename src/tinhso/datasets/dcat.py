"""The catalogue for harvesters: DCAT (JSON-LD and Turtle, via rdflib) and Project Open Data 1.1.

Only public, active datasets are listed. Every URL is absolute, built from the request.
"""

import datetime
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

from tinhso.datasets.dictize import file_url
from tinhso.datasets.models import Dataset

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
EU_FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
FREQUENCIES = {
    "continual": ("CONT", "R/PT1S"),
    "daily": ("DAILY", "R/P1D"),
    "weekly": ("WEEKLY", "R/P1W"),
    "monthly": ("MONTHLY", "R/P1M"),
    "quarterly": ("QUARTERLY", "R/P3M"),
    "annual": ("ANNUAL", "R/P1Y"),
    "irregular": ("IRREG", "irregular"),
    "never": ("NEVER", "irregular"),
}
CONTEXT = {
    "dcat": str(DCAT),
    "dct": str(DCTERMS),
    "foaf": str(FOAF),
    "vcard": str(VCARD),
    "xsd": str(XSD),
}


def public_datasets() -> Any:
    return (
        Dataset.objects.filter(private=False, state=Dataset.State.ACTIVE)
        .select_related("organization")
        .prefetch_related("tags", "resources__versions")
        .order_by("name")
    )


def _page(base: str, dataset: Dataset) -> str:
    return base.rstrip("/") + reverse("datasets:dataset", kwargs={"name": dataset.name})


def _resource_url(base: str, resource: Any) -> str:
    return file_url(base, resource) if resource.is_upload else resource.url


def graph(base: str) -> Graph:
    g = Graph()
    for prefix, uri in CONTEXT.items():
        g.bind(prefix, uri)
    catalog = URIRef(base.rstrip("/") + "/catalog")
    g.add((catalog, RDF.type, DCAT.Catalog))
    g.add(
        (
            catalog,
            DCTERMS.title,
            Literal(f"Dữ liệu mở tỉnh {settings.TINHSO_PROVINCE_NAME}", lang="vi"),
        )
    )
    g.add((catalog, FOAF.homepage, URIRef(base.rstrip("/") + reverse("datasets:list"))))
    for dataset in public_datasets():
        node = URIRef(_page(base, dataset))
        g.add((catalog, DCAT.dataset, node))
        g.add((node, RDF.type, DCAT.Dataset))
        g.add((node, DCTERMS.identifier, Literal(str(dataset.pk))))
        g.add((node, DCTERMS.title, Literal(dataset.title, lang="vi")))
        g.add((node, DCTERMS.description, Literal(dataset.notes or dataset.title, lang="vi")))
        g.add((node, DCAT.landingPage, node))
        g.add(
            (
                node,
                DCTERMS.issued,
                Literal(dataset.metadata_created.isoformat(), datatype=XSD.dateTime),
            )
        )
        g.add(
            (
                node,
                DCTERMS.modified,
                Literal(dataset.metadata_modified.isoformat(), datatype=XSD.dateTime),
            )
        )
        for tag in dataset.tags.all():
            g.add((node, DCAT.keyword, Literal(tag.name, lang="vi")))
        publisher = BNode()
        g.add((node, DCTERMS.publisher, publisher))
        g.add((publisher, RDF.type, FOAF.Organization))
        g.add((publisher, FOAF.name, Literal(dataset.organization.title, lang="vi")))
        if dataset.license_url:
            g.add((node, DCTERMS.license, URIRef(dataset.license_url)))
        else:
            g.add((node, DCTERMS.license, Literal(dataset.license_title)))
        if dataset.temporal_start or dataset.temporal_end:
            period = BNode()
            g.add((node, DCTERMS.temporal, period))
            g.add((period, RDF.type, DCTERMS.PeriodOfTime))
            if dataset.temporal_start:
                g.add((period, DCAT.startDate, Literal(dataset.temporal_start, datatype=XSD.date)))
            if dataset.temporal_end:
                g.add((period, DCAT.endDate, Literal(dataset.temporal_end, datatype=XSD.date)))
        for code in dataset.spatial_codes or []:
            place = BNode()
            g.add((node, DCTERMS.spatial, place))
            g.add((place, RDF.type, DCTERMS.Location))
            g.add((place, DCTERMS.identifier, Literal(str(code))))
        if dataset.frequency in FREQUENCIES:
            uri = EU_FREQUENCY + FREQUENCIES[dataset.frequency][0]
            g.add((node, DCTERMS.accrualPeriodicity, URIRef(uri)))
        for resource in sorted(dataset.resources.all(), key=lambda r: r.position):
            dist = BNode()
            url = URIRef(_resource_url(base, resource))
            g.add((node, DCAT.distribution, dist))
            g.add((dist, RDF.type, DCAT.Distribution))
            g.add((dist, DCTERMS.title, Literal(resource.name, lang="vi")))
            g.add((dist, DCAT.accessURL, url))
            if resource.is_upload:
                g.add((dist, DCAT.downloadURL, url))
            if resource.mimetype:
                media = "https://www.iana.org/assignments/media-types/" + resource.mimetype
                g.add((dist, DCAT.mediaType, URIRef(media)))
            if resource.format:
                g.add((dist, DCTERMS.format, Literal(resource.format)))
            if resource.size is not None:
                g.add(
                    (dist, DCAT.byteSize, Literal(resource.size, datatype=XSD.nonNegativeInteger))
                )
    return g


def catalog_jsonld(request: HttpRequest) -> HttpResponse:
    body = graph(request.build_absolute_uri("/")).serialize(
        format="json-ld", context=CONTEXT, indent=2
    )
    return HttpResponse(body, content_type="application/ld+json; charset=utf-8")


def catalog_turtle(request: HttpRequest) -> HttpResponse:
    body = graph(request.build_absolute_uri("/")).serialize(format="turtle")
    return HttpResponse(body, content_type="text/turtle; charset=utf-8")


def _contact(dataset: Dataset) -> dict[str, str]:
    email = dataset.maintainer_email or dataset.organization.email
    if not email:
        email = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return {
        "@type": "vcard:Contact",
        "fn": dataset.maintainer or dataset.organization.title,
        "hasEmail": f"mailto:{email}",
    }


def _pod_dataset(base: str, dataset: Dataset) -> dict[str, Any]:
    tags = [t.name for t in dataset.tags.all()]
    entry: dict[str, Any] = {
        "@type": "dcat:Dataset",
        "title": dataset.title,
        "description": dataset.notes or dataset.title,
        "keyword": tags or [dataset.organization.title],
        "modified": dataset.metadata_modified.astimezone(datetime.UTC).isoformat(
            timespec="seconds"
        ),
        "publisher": {"@type": "org:Organization", "name": dataset.organization.title},
        "contactPoint": _contact(dataset),
        "identifier": _page(base, dataset),
        "accessLevel": "public",
        "landingPage": _page(base, dataset),
        "issued": dataset.metadata_created.date().isoformat(),
        "language": ["vi"],
        "distribution": [],
    }
    if dataset.license_url:
        entry["license"] = dataset.license_url
    if dataset.spatial_codes:
        entry["spatial"] = ",".join(str(c) for c in dataset.spatial_codes)
    if dataset.temporal_start and dataset.temporal_end:
        entry["temporal"] = (
            f"{dataset.temporal_start.isoformat()}/{dataset.temporal_end.isoformat()}"
        )
    if dataset.frequency in FREQUENCIES:
        entry["accrualPeriodicity"] = FREQUENCIES[dataset.frequency][1]
    for resource in sorted(dataset.resources.all(), key=lambda r: r.position):
        dist: dict[str, Any] = {"@type": "dcat:Distribution", "title": resource.name}
        url = _resource_url(base, resource)
        dist["downloadURL" if resource.is_upload else "accessURL"] = url
        if resource.mimetype:
            dist["mediaType"] = resource.mimetype
        if resource.format:
            dist["format"] = resource.format
        entry["distribution"].append(dist)
    return entry


def data_json(request: HttpRequest) -> JsonResponse:
    base = request.build_absolute_uri("/")
    return JsonResponse(
        {
            "@context": "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld",
            "@id": request.build_absolute_uri(),
            "@type": "dcat:Catalog",
            "conformsTo": "https://project-open-data.cio.gov/v1.1/schema",
            "describedBy": "https://project-open-data.cio.gov/v1.1/schema/catalog.json",
            "dataset": [_pod_dataset(base, d) for d in public_datasets()],
        },
        json_dumps_params={"ensure_ascii": False, "indent": 2},
    )
