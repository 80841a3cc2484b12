//! `GET|POST /sparql`, the SPARQL 1.1 Protocol for queries over the linked-data projection, and
//! the dereferenceable IRIs `GET /id/…` (europass.md, "SPARQL and dereferenceable IRIs").
//!
//! The default graph is the union of the offers' graphs. A query runs on the blocking pool under
//! a time limit (cancelled when it runs out) and a result-size limit, both higher for partner
//! keys than for anyone else. Updates are refused: the store is a projection, written only by the
//! event tail.

use std::time::Duration;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use oxigraph::io::{JsonLdProfileSet, RdfFormat, RdfSerializer};
use oxigraph::sparql::results::{QueryResultsFormat, QueryResultsSerializer};
use oxigraph::sparql::{CancellationToken, QueryResults, SparqlEvaluator};

use super::auth::Caller;
use super::AppState;
use crate::error::{Error, FieldError};

/// What a query's answer can be written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Results(QueryResultsFormat),
    Graph(RdfFormat),
}

const RESULT_FORMATS: [(&str, &str, QueryResultsFormat); 4] = [
    (
        "json",
        "application/sparql-results+json",
        QueryResultsFormat::Json,
    ),
    (
        "xml",
        "application/sparql-results+xml",
        QueryResultsFormat::Xml,
    ),
    ("csv", "text/csv", QueryResultsFormat::Csv),
    ("tsv", "text/tab-separated-values", QueryResultsFormat::Tsv),
];

fn graph_formats() -> [(&'static str, &'static str, RdfFormat); 4] {
    [
        ("turtle", "text/turtle", RdfFormat::Turtle),
        ("ntriples", "application/n-triples", RdfFormat::NTriples),
        ("rdfxml", "application/rdf+xml", RdfFormat::RdfXml),
        (
            "jsonld",
            "application/ld+json",
            RdfFormat::JsonLd {
                profile: JsonLdProfileSet::empty(),
            },
        ),
    ]
}

/// The media types of `Accept`, best first (by `q`, then by order).
fn accepted(req: &HttpRequest) -> Vec<String> {
    let raw = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut types: Vec<(f32, usize, String)> = raw
        .split(',')
        .enumerate()
        .filter_map(|(i, part)| {
            let mut pieces = part.split(';');
            let media = pieces.next()?.trim().to_ascii_lowercase();
            let q = pieces
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            (!media.is_empty() && q > 0.0).then_some((q, i, media))
        })
        .collect();
    types.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    types.into_iter().map(|(_, _, m)| m).collect()
}

/// The format for a result kind: `format=` (a short name or a media type) first, then `Accept`,
/// then the kind's default.
fn choose(req: &HttpRequest, format: Option<&str>, graph: bool) -> Result<Answer, Error> {
    let wanted: Vec<String> = match format {
        Some(f) => vec![f.to_ascii_lowercase()],
        None => accepted(req),
    };
    for w in &wanted {
        if graph {
            if let Some((_, _, f)) = graph_formats()
                .into_iter()
                .find(|(n, m, _)| n == w || m == w)
            {
                return Ok(Answer::Graph(f));
            }
        } else if let Some((_, _, f)) = RESULT_FORMATS.iter().find(|(n, m, _)| n == w || m == w) {
            return Ok(Answer::Results(*f));
        }
    }
    if format.is_some() {
        let names: Vec<&str> = if graph {
            graph_formats().iter().map(|(n, _, _)| *n).collect()
        } else {
            RESULT_FORMATS.iter().map(|(n, _, _)| *n).collect()
        };
        return Err(Error::field(
            "format",
            "invalid",
            format!("one of {}", names.join(", ")),
        ));
    }
    Ok(if graph {
        Answer::Graph(RdfFormat::Turtle)
    } else {
        Answer::Results(QueryResultsFormat::Json)
    })
}

fn media_type(answer: Answer) -> &'static str {
    match answer {
        Answer::Results(f) => RESULT_FORMATS
            .iter()
            .find(|(_, _, x)| *x == f)
            .map_or("application/octet-stream", |(_, m, _)| m),
        Answer::Graph(f) => graph_formats()
            .into_iter()
            .find(|(_, _, x)| *x == f)
            .map_or("application/octet-stream", |(_, m, _)| m),
    }
}

/// The limits of the caller: partner keys get the higher ones.
fn limits(state: &AppState, caller: &Caller) -> (Duration, usize) {
    let c = &state.config;
    match caller {
        Caller::Partner(_) => (c.sparql_partner_timeout, c.sparql_partner_max_results),
        _ => (c.sparql_timeout, c.sparql_max_results),
    }
}

struct Request {
    query: String,
    format: Option<String>,
}

/// Reads the protocol's parameters; an update, or anything that is not a query, is refused.
fn from_pairs(pairs: Vec<(String, String)>) -> Result<Request, Error> {
    let mut query = None;
    let mut format = None;
    for (k, v) in pairs {
        match k.as_str() {
            "query" => query = Some(v),
            "format" => format = Some(v),
            "update" => {
                return Err(Error::field(
                    "update",
                    "refused",
                    "this endpoint answers queries only; the data is a projection of the registry",
                ))
            }
            // The protocol's dataset parameters are not offered: the default graph is the union.
            "default-graph-uri" | "named-graph-uri" => {
                return Err(Error::field(
                    &k,
                    "unsupported",
                    "the default graph is the union of every offer's graph",
                ))
            }
            _ => {}
        }
    }
    let query = query
        .filter(|q| !q.trim().is_empty())
        .ok_or_else(|| Error::field("query", "required", "give a SPARQL query"))?;
    Ok(Request { query, format })
}

/// A query in the URL: `?query=…&format=…`.
#[utoipa::path(get, path = "/sparql", tag = "linked data",
    params(("query" = String, Query, description = "a SPARQL 1.1 query"),
        ("format" = Option<String>, Query, description = "json, xml, csv or tsv for SELECT and ASK; turtle, ntriples, rdfxml or jsonld for CONSTRUCT and DESCRIBE (else by Accept)")),
    responses((status = 200, description = "the results, in the format asked for", body = String),
        (status = 400, body = crate::http::problem::Problem, content_type = "application/problem+json")))]
pub async fn get(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, Error> {
    let request = from_pairs(query.into_inner())?;
    answer(&state, &req, &caller, request).await
}

/// A query in the body: form-encoded (`query=…`) or `application/sparql-query`.
#[utoipa::path(post, path = "/sparql", tag = "linked data",
    request_body(content = String, description = "application/sparql-query, or application/x-www-form-urlencoded with `query`"),
    responses((status = 200, description = "the results, in the format asked for", body = String),
        (status = 400, body = crate::http::problem::Problem, content_type = "application/problem+json"),
        (status = 415, body = crate::http::problem::Problem, content_type = "application/problem+json")))]
pub async fn post(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    query: web::Query<Vec<(String, String)>>,
    body: web::Bytes,
) -> Result<HttpResponse, Error> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let text = String::from_utf8(body.to_vec())
        .map_err(|_| Error::field("query", "invalid", "the body is not UTF-8"))?;
    let format = query.into_inner().into_iter().find(|(k, _)| k == "format");
    let request = match content_type.as_str() {
        "application/sparql-query" => Request {
            query: text,
            format: format.map(|(_, v)| v),
        },
        "application/x-www-form-urlencoded" => {
            let mut pairs: Vec<(String, String)> = serde_urlencoded::from_str(&text)
                .map_err(|_| Error::field("query", "invalid", "not a form"))?;
            pairs.extend(format);
            from_pairs(pairs)?
        }
        "application/sparql-update" => {
            return Err(Error::field(
                "update",
                "refused",
                "this endpoint answers queries only; the data is a projection of the registry",
            ))
        }
        _ => {
            return Err(Error::field(
                "content-type",
                "unsupported",
                "application/sparql-query or application/x-www-form-urlencoded",
            ))
        }
    };
    answer(&state, &req, &caller, request).await
}

async fn answer(
    state: &AppState,
    req: &HttpRequest,
    caller: &Caller,
    request: Request,
) -> Result<HttpResponse, Error> {
    if !state.linked_data.is_loaded() {
        return Err(Error::Unavailable(
            "the linked data is still being built".into(),
        ));
    }
    check_size(&request.query)?;
    let parsed = spargebra::SparqlParser::new()
        .parse_query(&request.query)
        .map_err(|e| {
            // An update sent as a query is refused as an update, not as a syntax error.
            if spargebra::SparqlParser::new()
                .parse_update(&request.query)
                .is_ok()
            {
                Error::field("update", "refused", "this endpoint answers queries only")
            } else {
                Error::field("query", "invalid", e.to_string())
            }
        })?;
    let graph = matches!(
        parsed,
        spargebra::Query::Construct { .. } | spargebra::Query::Describe { .. }
    );
    // A format nobody can be served is refused before any work is done.
    let chosen = choose(req, request.format.as_deref(), graph)?;
    let cancel = CancelOnDrop(CancellationToken::new());
    let token = cancel.0.clone();
    let (limit, max) = limits(state, caller);
    let linked_data = state.linked_data.clone();
    let run = async {
        // Waiting for a slot counts against the time limit: a queue of slow queries is refused
        // rather than left to pile up.
        let _slot = state
            .linked_data
            .query_slots()
            .acquire()
            .await
            .map_err(|e| Error::Internal(format!("SPARQL slots: {e}")))?;
        tokio::task::spawn_blocking(move || -> Result<(Answer, Vec<u8>), Error> {
            let mut prepared = SparqlEvaluator::new()
                .with_cancellation_token(token)
                .for_query(linked_data.plan(parsed));
            if prepared.dataset().is_default_dataset() {
                prepared.dataset_mut().set_default_graph_as_union();
            }
            let results = prepared
                .on_store(linked_data.store())
                .execute()
                .map_err(|e| Error::field("query", "invalid", e.to_string()))?;
            write(results, chosen, max)
        })
        .await
        .map_err(|e| Error::Internal(format!("SPARQL task: {e}")))?
    };
    // When the time runs out, or the client goes away and this future is dropped, `cancel`
    // drops and stops the evaluation on the blocking pool.
    let outcome = tokio::time::timeout(limit, run).await;
    drop(cancel);
    let (answer, body) = outcome.map_err(|_| Error::QueryTooLong(limit.as_millis() as u64))??;
    Ok(HttpResponse::Ok()
        .content_type(media_type(answer))
        .insert_header((header::VARY, "Accept"))
        .body(body))
}

/// Cancels the evaluation it guards when dropped, however the request ends.
struct CancelOnDrop(CancellationToken);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

/// The longest query text accepted, and the deepest nesting of brackets: both bound the
/// parser's time and stack before it runs.
const MAX_QUERY_BYTES: usize = 64 * 1024;
const MAX_QUERY_DEPTH: usize = 64;

fn check_size(query: &str) -> Result<(), Error> {
    if query.len() > MAX_QUERY_BYTES {
        return Err(Error::field(
            "query",
            "too_long",
            format!("at most {MAX_QUERY_BYTES} bytes"),
        ));
    }
    let mut depth = 0usize;
    let mut deepest = 0usize;
    for c in query.chars() {
        match c {
            '{' | '(' | '[' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            '}' | ')' | ']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    if deepest > MAX_QUERY_DEPTH {
        return Err(Error::field(
            "query",
            "too_deep",
            format!("brackets nest at most {MAX_QUERY_DEPTH} deep"),
        ));
    }
    Ok(())
}

/// Serialises `results` as `answer` asks (falling back to the kind's default when the format
/// was chosen for the other kind), refusing more than `max` results.
fn write(
    results: QueryResults<'_>,
    answer: Answer,
    max: usize,
) -> Result<(Answer, Vec<u8>), Error> {
    let too_many = || {
        Error::Validation(vec![FieldError::new(
            "query",
            "too_many_results",
            format!("more than {max} results: add a LIMIT"),
        )])
    };
    let io = |e: std::io::Error| Error::Internal(format!("writing results: {e}"));
    let eval = |e: oxigraph::sparql::QueryEvaluationError| match e {
        oxigraph::sparql::QueryEvaluationError::Cancelled => Error::QueryTooLong(0),
        other => Error::field("query", "invalid", other.to_string()),
    };
    match results {
        QueryResults::Boolean(value) => {
            let format = match answer {
                Answer::Results(f) => f,
                Answer::Graph(_) => QueryResultsFormat::Json,
            };
            let body = QueryResultsSerializer::from_format(format)
                .serialize_boolean_to_writer(Vec::new(), value)
                .map_err(io)?;
            Ok((Answer::Results(format), body))
        }
        QueryResults::Solutions(solutions) => {
            let format = match answer {
                Answer::Results(f) => f,
                Answer::Graph(_) => QueryResultsFormat::Json,
            };
            let mut out = QueryResultsSerializer::from_format(format)
                .serialize_solutions_to_writer(Vec::new(), solutions.variables().to_vec())
                .map_err(io)?;
            for (n, solution) in solutions.enumerate() {
                if n >= max {
                    return Err(too_many());
                }
                out.serialize(&solution.map_err(eval)?).map_err(io)?;
            }
            Ok((Answer::Results(format), out.finish().map_err(io)?))
        }
        QueryResults::Graph(triples) => {
            let format = match answer {
                Answer::Graph(f) => f,
                Answer::Results(_) => RdfFormat::Turtle,
            };
            let mut out = RdfSerializer::from_format(format).for_writer(Vec::new());
            for (n, triple) in triples.enumerate() {
                if n >= max {
                    return Err(too_many());
                }
                out.serialize_triple(&triple.map_err(eval)?).map_err(io)?;
            }
            Ok((Answer::Graph(format), out.finish().map_err(io)?))
        }
    }
}

/// What is escaped in an id put into a page's URL: all but letters, digits and `-._~`.
const PAGE_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `GET /id/{kind}/{id}[/…]`: a person's browser goes to the page; an RDF client gets the
/// resource's triples (an offer: its whole graph) in the format it accepts.
pub async fn resource(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Error> {
    let (kind, rest) = path.into_inner();
    let id = rest.split('/').next().unwrap_or_default().to_string();
    // Minted IRIs are percent-encoded as the path arrives, so the raw path is the IRI's.
    let iri = format!(
        "{}{}",
        state.linked_data.base().trim_end_matches('/'),
        req.path()
    );
    if iri.contains(['"', '<', '>', '\\', ' ', '{', '}']) {
        return Err(Error::NotFound("resource".into()));
    }
    let node = oxigraph::model::NamedNode::new(iri.clone())
        .map_err(|_| Error::NotFound("resource".into()))?;
    let store = state.linked_data.store();
    let storage = |e: oxigraph::store::StorageError| Error::Internal(format!("RDF store: {e}"));
    let known = if kind == "offer" && !rest.contains('/') {
        store.contains_named_graph(&node).map_err(storage)?
    } else {
        store
            .quads_for_pattern(Some(node.as_ref().into()), None, None, None)
            .next()
            .is_some()
    };
    if !known {
        return Err(Error::NotFound(format!("{kind} {id}")));
    }
    let wants_html = accepted(&req)
        .first()
        .is_some_and(|m| m == "text/html" || m == "application/xhtml+xml");
    // Only a resource the store knows is redirected, and its id is encoded for the page's URL.
    if wants_html {
        let id = percent_encoding::utf8_percent_encode(&id, PAGE_SEGMENT);
        let page = match kind.as_str() {
            "offer" => format!("/offers/{id}"),
            "organisation" => format!("/?provider={id}"),
            _ => return Err(Error::NotFound(format!("{kind} {id}"))),
        };
        return Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, page))
            .finish());
    }
    let query = match kind.as_str() {
        "offer" if !rest.contains('/') => format!(
            "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}"
        ),
        "offer" | "organisation" => format!(
            "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o FILTER(STR(?s) = \"{iri}\" || STRSTARTS(STR(?s), \"{iri}/\")) }}"
        ),
        _ => return Err(Error::NotFound(format!("{kind} {id}"))),
    };
    let format = accepted(&req)
        .into_iter()
        .find_map(|m| {
            graph_formats()
                .into_iter()
                .find(|(_, media, _)| *media == m)
        })
        .map(|(name, _, _)| name.to_string());
    let response = answer(
        &state,
        &req,
        &caller,
        Request {
            query,
            format: format.or(Some("turtle".into())),
        },
    )
    .await?;
    Ok(response)
}
