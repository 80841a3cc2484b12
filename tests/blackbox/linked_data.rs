//! The linked-data projection and its SPARQL endpoint (issue 10): offers appear and leave as they
//! are published and withdrawn, every result format parses, updates are refused, limits hold,
//! IRIs negotiate, and a restart rebuilds the same graph.

use oxigraph::io::{RdfFormat, RdfParser};
use serde_json::Value;

use crate::identity::{bearer, person};
use crate::offers::{cast, draft, publish, withdraw, Call};
use crate::support::{Backend, TestHub};

crate::both_backends!(
    a_published_offer_is_queryable_and_a_withdrawn_one_leaves,
    every_result_format_parses,
    updates_are_refused,
    queries_meet_their_limits,
    partner_keys_get_the_higher_limits,
    offer_and_organisation_iris_negotiate,
    a_restart_rebuilds_the_same_graph,
    the_demo_offers_conform_to_the_loq_shapes,
    the_order_patterns_are_written_in_changes_no_answer,
);

/// The planner reorders a query's patterns by the store's statistics: whichever order a partner
/// writes, the rows are the same.
async fn the_order_patterns_are_written_in_changes_no_answer(backend: Backend) {
    let hub = TestHub::start(backend).await;
    let patterns = [
        "?lo elm:mode <http://data.europa.eu/snb/learning-assessment/9191af2ed9> .",
        "?lo elm:learningAchievementSpecification ?spec .",
        "?spec dct:language <http://publications.europa.eu/resource/authority/language/POL> .",
        "?lo dct:title ?title .",
    ];
    let rows = |order: &[usize]| {
        let body: Vec<&str> = order.iter().map(|i| patterns[*i]).collect();
        format!(
            "PREFIX elm: <http://data.europa.eu/snb/model/ontology/> PREFIX dct: <http://purl.org/dc/terms/> \
             SELECT ?lo ?title WHERE {{ {} }}",
            body.join(" ")
        )
    };
    let mut answers = Vec::new();
    for order in [[0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1]] {
        let (status, _, body) = sparql(&hub, &rows(&order), Some("csv")).await;
        assert_eq!(status, 200, "{body}");
        let mut lines: Vec<String> = body.lines().skip(1).map(str::to_string).collect();
        lines.sort();
        answers.push(lines);
    }
    assert!(!answers[0].is_empty(), "the demo has Polish onsite offers");
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0], answers[2]);
    hub.stop().await;
}

const DCT_TITLE: &str = "http://purl.org/dc/terms/title";

/// A SPARQL query by GET; the status, the content type and the body.
async fn sparql(hub: &TestHub, query: &str, format: Option<&str>) -> (u16, String, String) {
    let mut params = vec![("query", query)];
    if let Some(f) = format {
        params.push(("format", f));
    }
    let res = hub
        .client
        .get(hub.url("/sparql"))
        .query(&params)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let content_type = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, content_type, res.text().await.unwrap())
}

fn offer_iri(hub: &TestHub, id: &str) -> String {
    format!("{}/id/offer/{id}", hub.url(""))
}

async fn titles(hub: &TestHub, offer: &str) -> Vec<String> {
    let query = format!("SELECT ?t WHERE {{ <{offer}> <{DCT_TITLE}> ?t }}");
    let (status, _, body) = sparql(hub, &query, Some("json")).await;
    assert_eq!(status, 200, "{body}");
    let json: Value = serde_json::from_str(&body).unwrap();
    json["results"]["bindings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["t"]["value"].as_str().unwrap().to_string())
        .collect()
}

async fn a_published_offer_is_queryable_and_a_withdrawn_one_leaves(backend: Backend) {
    let hub = TestHub::empty(backend).await;
    let c = cast(&hub).await;
    let call = Call { hub: &hub };
    let id = publish(&call, &c, draft(30)).await;
    let offer = offer_iri(&hub, &id);
    let mut found = titles(&hub, &offer).await;
    found.sort();
    assert_eq!(
        found,
        ["Analiza danych w Excelu", "Data analysis in Excel"],
        "the title in every language of the offer"
    );
    let (_, _, body) = sparql(
        &hub,
        &format!("ASK {{ GRAPH <{offer}> {{ <{offer}> a <http://data.europa.eu/snb/model/ontology/LearningOpportunity> }} }}"),
        Some("json"),
    )
    .await;
    assert!(
        body.contains("true"),
        "its triples live in its named graph: {body}"
    );
    assert_eq!(withdraw(&call, &c, &id).await, 200);
    assert!(
        titles(&hub, &offer).await.is_empty(),
        "a withdrawn offer leaves"
    );
    hub.stop().await;
}

async fn every_result_format_parses(backend: Backend) {
    let hub = TestHub::start(backend).await;
    let select = format!("SELECT ?o ?t WHERE {{ ?o <{DCT_TITLE}> ?t }} LIMIT 5");
    let (status, kind, body) = sparql(&hub, &select, None).await;
    assert_eq!(
        (status, kind.as_str()),
        (200, "application/sparql-results+json")
    );
    let json: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["results"]["bindings"].as_array().unwrap().len(), 5);
    let (_, kind, body) = sparql(&hub, &select, Some("xml")).await;
    assert_eq!(kind, "application/sparql-results+xml");
    assert!(
        body.contains("<sparql") && body.matches("<result>").count() == 5,
        "{body}"
    );
    for (format, media, separator) in [
        ("csv", "text/csv", ','),
        ("tsv", "text/tab-separated-values", '\t'),
    ] {
        let (_, kind, body) = sparql(&hub, &select, Some(format)).await;
        assert_eq!(kind, media);
        let lines: Vec<&str> = body.lines().collect();
        assert_eq!(lines.len(), 6, "a header and five rows: {body}");
        assert!(lines[0].contains(separator));
    }
    let construct = format!("CONSTRUCT {{ ?o <{DCT_TITLE}> ?t }} WHERE {{ ?o <{DCT_TITLE}> ?t }}");
    for (format, media, parser) in [
        ("turtle", "text/turtle", RdfFormat::Turtle),
        ("ntriples", "application/n-triples", RdfFormat::NTriples),
        ("rdfxml", "application/rdf+xml", RdfFormat::RdfXml),
        (
            "jsonld",
            "application/ld+json",
            RdfFormat::JsonLd {
                profile: oxigraph::io::JsonLdProfileSet::empty(),
            },
        ),
    ] {
        let (status, kind, body) = sparql(&hub, &construct, Some(format)).await;
        assert_eq!((status, kind.as_str()), (200, media), "{body}");
        let triples = RdfParser::from_format(parser)
            .for_reader(body.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .unwrap_or_else(|e| panic!("{format} does not parse: {e}\n{body}"));
        assert!(triples.len() >= 33, "every demo offer's title in {format}");
    }
    // The kind of query decides the kind of answer, not words inside it.
    let (status, kind, _) = sparql(
        &hub,
        "SELECT ?t WHERE { ?o ?p ?t FILTER(CONTAINS(STR(?t), \"CONSTRUCT\")) }",
        Some("json"),
    )
    .await;
    assert_eq!(
        (status, kind.as_str()),
        (200, "application/sparql-results+json")
    );
    // Accept chooses when no format is named.
    let res = hub
        .client
        .get(hub.url("/sparql"))
        .query(&[("query", construct.as_str())])
        .header("accept", "application/n-triples;q=0.9, text/html;q=0.1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-type"], "application/n-triples");
    // A query in the body, both ways.
    let res = hub
        .client
        .post(hub.url("/sparql"))
        .header("content-type", "application/sparql-query")
        .body("ASK { ?s ?p ?o }")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = hub
        .client
        .post(hub.url("/sparql"))
        .form(&[("query", "ASK { ?s ?p ?o }"), ("format", "xml")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["content-type"],
        "application/sparql-results+xml"
    );
    hub.stop().await;
}

async fn updates_are_refused(backend: Backend) {
    let hub = TestHub::start(backend).await;
    let insert = "INSERT DATA { <http://e.x/s> <http://e.x/p> <http://e.x/o> }";
    let refused = |res: reqwest::Response| async move {
        assert_eq!(res.status(), 400);
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "update", "{problem}");
    };
    refused(
        hub.client
            .get(hub.url("/sparql"))
            .query(&[("update", insert)])
            .send()
            .await
            .unwrap(),
    )
    .await;
    refused(
        hub.client
            .get(hub.url("/sparql"))
            .query(&[("query", insert)])
            .send()
            .await
            .unwrap(),
    )
    .await;
    refused(
        hub.client
            .post(hub.url("/sparql"))
            .header("content-type", "application/sparql-update")
            .body(insert)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let (_, _, body) = sparql(&hub, "ASK { <http://e.x/s> ?p ?o }", Some("json")).await;
    assert!(body.contains("false"), "nothing was written: {body}");
    let (status, _, body) = sparql(&hub, "SELECT WHERE {", None).await;
    assert_eq!(status, 400);
    assert!(body.contains("\"query\""), "{body}");
    hub.stop().await;
}

async fn queries_meet_their_limits(backend: Backend) {
    let hub = TestHub::start_with(
        backend,
        &[
            ("HUB_SPARQL_TIMEOUT_MS", "200"),
            ("HUB_SPARQL_MAX_RESULTS", "5"),
        ],
        Vec::new(),
    )
    .await;
    let started = std::time::Instant::now();
    let (status, _, body) = sparql(
        &hub,
        "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
        None,
    )
    .await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("200 ms"), "{body}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "cut off, not left to run"
    );
    // Runaway queries are cancelled, not left holding the query slots: after a burst of them a
    // cheap query still answers.
    let heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }";
    let burst = (0..4).map(|_| sparql(&hub, heavy, None));
    for (status, _, body) in futures_util::future::join_all(burst).await {
        assert_eq!(status, 503, "{body}");
    }
    let (status, _, body) = sparql(&hub, "ASK { ?s ?p ?o }", None).await;
    assert_eq!(status, 200, "{body}");
    let (status, _, body) = sparql(&hub, "SELECT * WHERE { ?s ?p ?o }", None).await;
    assert_eq!(status, 400);
    assert!(body.contains("too_many_results"), "{body}");
    // The parser is bounded before it runs: by depth, and by length.
    let deep = format!("ASK {}?s ?p ?o{}", "{ ".repeat(100), " }".repeat(100));
    let (status, _, body) = sparql(&hub, &deep, None).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("too_deep"), "{body}");
    let long = format!("ASK {{ ?s ?p ?o }} #{}", "x".repeat(70 * 1024));
    let res = hub
        .client
        .post(hub.url("/sparql"))
        .header("content-type", "application/sparql-query")
        .body(long)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
    assert!(res.text().await.unwrap().contains("too_long"));
    let (status, _, _) = sparql(&hub, "SELECT * WHERE { ?s ?p ?o } LIMIT 5", None).await;
    assert_eq!(status, 200);
    hub.stop().await;
}

async fn partner_keys_get_the_higher_limits(backend: Backend) {
    let hub = TestHub::start_with(
        backend,
        &[
            ("HUB_SPARQL_MAX_RESULTS", "5"),
            ("HUB_SPARQL_PARTNER_MAX_RESULTS", "1000000"),
        ],
        Vec::new(),
    )
    .await;
    person(&hub, "root@example.eu", &["superadmin"], None).await;
    let admin = bearer(&hub, "root@example.eu").await;
    let res = hub
        .client
        .post(hub.url("/api/admin/api-keys"))
        .bearer_auth(&admin)
        .json(&serde_json::json!({ "name": "Portal", "scopes": ["catalogue:read"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let key = res.json::<Value>().await.unwrap()["key"]
        .as_str()
        .unwrap()
        .to_string();
    let everything = "SELECT * WHERE { ?s ?p ?o }";
    let (status, _, body) = sparql(&hub, everything, None).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("too_many_results"), "{body}");
    let res = hub
        .client
        .get(hub.url("/sparql"))
        .query(&[("query", everything)])
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let answer: Value = res.json().await.unwrap();
    assert!(answer["results"]["bindings"].as_array().unwrap().len() > 5);
    hub.stop().await;
}

async fn offer_and_organisation_iris_negotiate(backend: Backend) {
    let hub = TestHub::empty(backend).await;
    let c = cast(&hub).await;
    let call = Call { hub: &hub };
    let id = publish(&call, &c, draft(30)).await;
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let path = format!("/id/offer/{id}");
    let page = no_redirects
        .get(hub.url(&path))
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 303);
    assert_eq!(page.headers()["location"], format!("/offers/{id}").as_str());
    let turtle = no_redirects
        .get(hub.url(&path))
        .header("accept", "text/turtle")
        .send()
        .await
        .unwrap();
    assert_eq!(turtle.status(), 200);
    let body = turtle.text().await.unwrap();
    let triples = RdfParser::from_format(RdfFormat::Turtle)
        .for_reader(body.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    assert!(triples
        .iter()
        .any(|t| t.predicate.as_str() == DCT_TITLE && t.object.to_string().contains("Analiza")));
    let provider = triples
        .iter()
        .find(|t| t.predicate.as_str().ends_with("providedBy"))
        .map(|t| t.object.to_string())
        .unwrap();
    let provider_path = provider
        .trim_matches(['<', '>'])
        .trim_start_matches(hub.url("").trim_end_matches('/'))
        .to_string();
    let org = no_redirects
        .get(hub.url(&provider_path))
        .header("accept", "application/n-triples")
        .send()
        .await
        .unwrap();
    assert_eq!(org.status(), 200);
    assert!(org
        .text()
        .await
        .unwrap()
        .contains("http://www.w3.org/ns/regorg#legalName"));
    let unknown = no_redirects
        .get(hub.url("/id/offer/00000000-0000-0000-0000-000000000000"))
        .header("accept", "text/turtle")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    // A browser is not sent on to a page for an IRI nobody minted.
    let unknown = no_redirects
        .get(hub.url("/id/offer/no%0D%0Asuch"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    hub.stop().await;
}

/// Every triple of the store, with the hub's base taken out (a restart moves the port).
async fn everything(hub: &TestHub) -> Vec<String> {
    let (status, _, body) = sparql(
        hub,
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
        Some("ntriples"),
    )
    .await;
    assert_eq!(status, 200);
    let base = hub.url("/");
    let mut lines: Vec<String> = body
        .lines()
        .map(|l| l.replace(base.as_str(), "BASE/"))
        .collect();
    lines.sort();
    lines
}

async fn a_restart_rebuilds_the_same_graph(backend: Backend) {
    let hub = TestHub::start(backend).await;
    let before = everything(&hub).await;
    assert!(
        before.len() > 33 * 10,
        "the demo offers' graphs: {}",
        before.len()
    );
    let hub = hub.restart().await;
    assert_eq!(everything(&hub).await, before);
    hub.stop().await;
}

/// Validates Turtle against the official LOQ SHACL shapes (ELM 3.2 namespace) with pyshacl, the
/// reference validator. The shapes are read from `../shared/conformance/` and adapted in memory
/// only where Python's regular expressions differ from SHACL's (XPath) ones: `^(?i)` becomes
/// `(?i)^`, and the Unicode classes `\p{L}\p{Nl}\p{Nd}` become `\w`.
const SHACL: &str = r#"
import sys, rdflib
from pyshacl import validate
data = rdflib.Graph().parse(data=sys.stdin.read().replace(
    "http://data.europa.eu/snb/model/ontology/", "http://data.europa.eu/snb/model/elm/"), format="turtle")
text = open(sys.argv[1], encoding="utf-8").read()
text = text.replace('sh:pattern "^(?i)', 'sh:pattern "(?i)^').replace('\\\\p{L}\\\\p{Nl}\\\\p{Nd}', '\\\\w')
shapes = rdflib.Graph().parse(data=text, format="turtle")
conforms, _, report = validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
print(report)
sys.exit(0 if conforms else 1)
"#;

async fn the_demo_offers_conform_to_the_loq_shapes(backend: Backend) {
    if !crate::support::python_module("pyshacl", "HUB_TEST_REQUIRE_PYSHACL") {
        return;
    }
    let shapes = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/conformance/elm-3.2-shacl/LOQ-constraints.ttl");
    assert!(
        shapes.exists(),
        "the official shapes at {}",
        shapes.display()
    );
    let hub = TestHub::start(backend).await;
    let (status, _, turtle) = sparql(
        &hub,
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
        Some("turtle"),
    )
    .await;
    assert_eq!(status, 200);
    hub.stop().await;
    let (conforms, report) = tokio::task::spawn_blocking(move || {
        crate::support::python(SHACL, &[shapes.as_os_str()], turtle.as_bytes())
    })
    .await
    .unwrap();
    assert!(conforms, "the demo offers break the LOQ shapes:\n{report}");
}
