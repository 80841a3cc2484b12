//! The QDR dataset on the web (europass.md, "Publishing to QDR"): the current version's XML at a
//! stable URL for QDR's "hosted on your server" updates, every older version, the DCAT
//! description, and the superadmin's history of pushes with a way to push again.
//!
//! A version's XML is stored gzip-compressed in 1 MiB pieces and streamed piece by piece: as it
//! is to clients that take gzip (most, QDR's fetcher too), unpacked on the way to those that do
//! not. Its tag is the XML's SHA-256, weak because the two encodings share it.

use actix_web::http::header::{self, HttpDate};
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use futures_util::stream;
use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::vocab::{rdf, xsd};
use oxigraph::model::{Literal, NamedNode, Triple};
use std::io::Write;

use super::api::paging::{ListOf, Params};
use super::auth::{client_ip, Caller};
use super::cache::accepts_gzip;
use super::AppState;
use crate::domain::qdr::{self, Version, VersionHistory};
use crate::domain::Actor;
use crate::error::Error;

/// The current version's LOQ XML.
#[utoipa::path(get, path = "/qdr/learning-opportunities.xml", tag = "linked data",
    responses((status = 200, description = "the dataset's current version, LOQ 3.3.1 XML", body = String, content_type = "application/xml"),
        (status = 304, description = "unchanged since the tag or time given"),
        (status = 503, body = crate::http::problem::Problem, content_type = "application/problem+json")))]
pub async fn current(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, Error> {
    let version =
        state.db.run(qdr::current).await?.ok_or_else(|| {
            Error::Unavailable("the dataset's first version is being made".into())
        })?;
    Ok(serve(&state, &req, version))
}

/// An older (or the current) version's XML, by number: `/qdr/versions/3.xml`.
#[utoipa::path(get, path = "/qdr/versions/{file}", tag = "linked data",
    params(("file" = String, Path, description = "the version's number followed by .xml")),
    responses((status = 200, description = "that version, LOQ 3.3.1 XML", body = String, content_type = "application/xml"),
        (status = 304, description = "unchanged since the tag or time given"),
        (status = 404, body = crate::http::problem::Problem, content_type = "application/problem+json")))]
pub async fn version(
    state: web::Data<AppState>,
    req: HttpRequest,
    file: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let number = file
        .strip_suffix(".xml")
        .and_then(|n| n.parse::<i32>().ok())
        .filter(|n| *n > 0)
        .ok_or_else(|| Error::NotFound(format!("dataset version {file:?}")))?;
    let version = state
        .db
        .run(move |conn| qdr::version(conn, number))
        .await?
        .ok_or_else(|| Error::NotFound(format!("dataset version {number}")))?;
    Ok(serve(&state, &req, version))
}

fn etag(version: &Version) -> String {
    format!("W/\"{}\"", version.content_hash)
}

/// 304 when the client's copy is this version (by tag first, else by time), else the stream.
fn serve(state: &web::Data<AppState>, req: &HttpRequest, version: Version) -> HttpResponse {
    let tag = etag(&version);
    let modified = version.created_at.and_utc();
    let header = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
    let unchanged = match header(header::IF_NONE_MATCH) {
        Some(tags) => tags
            .split(',')
            .map(str::trim)
            .any(|t| t == "*" || t.trim_start_matches("W/") == tag.trim_start_matches("W/")),
        None => header(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.parse::<HttpDate>().ok())
            .and_then(|since| {
                std::time::SystemTime::from(since)
                    .duration_since(std::time::UNIX_EPOCH)
                    .ok()
            })
            .is_some_and(|since| since.as_secs() as i64 >= modified.timestamp()),
    };
    let last_modified = HttpDate::from(std::time::SystemTime::from(modified));
    if unchanged {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, tag))
            .insert_header((header::VARY, "Accept-Encoding"))
            .insert_header((header::LAST_MODIFIED, last_modified))
            .finish();
    }
    let gzip = header(header::ACCEPT_ENCODING).is_some_and(accepts_gzip);
    let mut res = HttpResponse::Ok();
    res.content_type("application/xml")
        .insert_header((header::ETAG, tag))
        .insert_header((header::LAST_MODIFIED, last_modified))
        .insert_header((header::VARY, "Accept-Encoding"));
    if gzip {
        res.insert_header((header::CONTENT_ENCODING, "gzip"));
    }
    res.streaming(pieces(state.clone(), version.number, !gzip))
}

/// The stored pieces in order, read one at a time, unpacked when `unpack`.
fn pieces(
    state: web::Data<AppState>,
    number: i32,
    unpack: bool,
) -> impl futures_util::Stream<Item = Result<Bytes, Error>> {
    let decoder = unpack.then(|| flate2::write::GzDecoder::new(Vec::new()));
    stream::try_unfold((0, decoder, false), move |(seq, mut decoder, done)| {
        let state = state.clone();
        async move {
            if done {
                return Ok(None);
            }
            let piece = state
                .db
                .run(move |conn| qdr::chunk(conn, number, seq))
                .await?;
            let unpack_err = |e: std::io::Error| Error::Internal(format!("stored dataset: {e}"));
            let out = match (piece, decoder.as_mut()) {
                (Some(piece), None) => {
                    return Ok(Some((Bytes::from(piece), (seq + 1, None, false))))
                }
                (None, None) => return Ok(None),
                (Some(piece), Some(d)) => {
                    d.write_all(&piece).map_err(unpack_err)?;
                    Bytes::from(std::mem::take(d.get_mut()))
                }
                (None, Some(_)) => {
                    let rest = decoder
                        .take()
                        .map(|d| d.finish())
                        .transpose()
                        .map_err(unpack_err)?;
                    return Ok(Some((
                        Bytes::from(rest.unwrap_or_default()),
                        (seq, None, true),
                    )));
                }
            };
            Ok(Some((out, (seq + 1, decoder, false))))
        }
    })
}

/// The dataset and its distributions in DCAT (with DCAT 3's versioning), as Turtle.
#[utoipa::path(get, path = "/qdr/dcat.ttl", tag = "linked data",
    responses((status = 200, description = "DCAT description of the dataset, Turtle", body = String, content_type = "text/turtle")))]
pub async fn dcat(state: web::Data<AppState>) -> Result<HttpResponse, Error> {
    let versions = state.db.run(qdr::all).await?;
    let origin = state.config.origin();
    let turtle = describe(
        origin,
        &state.config.qdr_title,
        &state.config.qdr_description,
        &versions,
    )?;
    Ok(HttpResponse::Ok()
        .content_type("text/turtle; charset=utf-8")
        .body(turtle))
}

fn describe(
    origin: &str,
    title: &str,
    description: &str,
    versions: &[Version],
) -> Result<Vec<u8>, Error> {
    const DCAT: &str = "http://www.w3.org/ns/dcat#";
    const DCT: &str = "http://purl.org/dc/terms/";
    const SPDX: &str = "http://spdx.org/rdf/terms#";
    let term = |ns: &str, name: &str| NamedNode::new_unchecked(format!("{ns}{name}"));
    let iri = |path: &str| NamedNode::new_unchecked(format!("{origin}{path}"));
    let when = |v: &Version| {
        Literal::new_typed_literal(
            v.created_at
                .and_utc()
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string(),
            xsd::DATE_TIME,
        )
    };
    let mut triples = Vec::new();
    let mut add = |s: &NamedNode, p: NamedNode, o: oxigraph::model::Term| {
        triples.push(Triple::new(s.clone(), p, o));
    };
    let dataset = iri("/qdr/dataset");
    let xml =
        NamedNode::new_unchecked("http://www.iana.org/assignments/media-types/application/xml");
    let loq = NamedNode::new_unchecked(
        "http://data.europa.eu/snb/model/application-profile/loq-constraints",
    );
    add(
        &dataset,
        rdf::TYPE.into_owned(),
        term(DCAT, "Dataset").into(),
    );
    add(
        &dataset,
        term(DCT, "title"),
        Literal::new_language_tagged_literal_unchecked(title, "en").into(),
    );
    add(
        &dataset,
        term(DCT, "description"),
        Literal::new_language_tagged_literal_unchecked(description, "en").into(),
    );
    add(&dataset, term(DCAT, "landingPage"), iri("/").into());
    add(&dataset, term(DCT, "conformsTo"), loq.clone().into());
    let distribution = |add: &mut dyn FnMut(&NamedNode, NamedNode, oxigraph::model::Term),
                        at: &NamedNode,
                        v: &Version| {
        add(
            at,
            rdf::TYPE.into_owned(),
            term(DCAT, "Distribution").into(),
        );
        add(at, term(DCAT, "downloadURL"), at.clone().into());
        add(at, term(DCAT, "mediaType"), xml.clone().into());
        add(at, term(DCT, "conformsTo"), loq.clone().into());
        add(at, term(DCT, "modified"), when(v).into());
        add(
            at,
            term(DCAT, "byteSize"),
            Literal::new_typed_literal(v.byte_size.to_string(), xsd::NON_NEGATIVE_INTEGER).into(),
        );
        let checksum = NamedNode::new_unchecked(format!("{}#sha256", at.as_str()));
        add(at, term(SPDX, "checksum"), checksum.clone().into());
        add(
            &checksum,
            rdf::TYPE.into_owned(),
            term(SPDX, "Checksum").into(),
        );
        add(
            &checksum,
            term(SPDX, "algorithm"),
            term(SPDX, "checksumAlgorithm_sha256").into(),
        );
        add(
            &checksum,
            term(SPDX, "checksumValue"),
            Literal::new_typed_literal(v.content_hash.clone(), xsd::HEX_BINARY).into(),
        );
    };
    if let Some(latest) = versions.first() {
        add(&dataset, term(DCT, "modified"), when(latest).into());
        add(
            &dataset,
            term(DCAT, "version"),
            Literal::new_simple_literal(latest.number.to_string()).into(),
        );
        let current = iri("/qdr/learning-opportunities.xml");
        add(&dataset, term(DCAT, "distribution"), current.clone().into());
        distribution(&mut add, &current, latest);
    }
    for v in versions {
        let each = iri(&format!("/qdr/versions/{}", v.number));
        let file = iri(&format!("/qdr/versions/{}.xml", v.number));
        add(&dataset, term(DCAT, "hasVersion"), each.clone().into());
        add(&each, rdf::TYPE.into_owned(), term(DCAT, "Dataset").into());
        add(&each, term(DCAT, "isVersionOf"), dataset.clone().into());
        add(
            &each,
            term(DCAT, "version"),
            Literal::new_simple_literal(v.number.to_string()).into(),
        );
        add(&each, term(DCT, "issued"), when(v).into());
        add(
            &each,
            term("http://www.w3.org/ns/adms#", "versionNotes"),
            Literal::new_language_tagged_literal_unchecked(&v.notes, "en").into(),
        );
        add(&each, term(DCAT, "distribution"), file.clone().into());
        distribution(&mut add, &file, v);
    }
    let sparql = iri("/sparql");
    add(
        &sparql,
        rdf::TYPE.into_owned(),
        term(DCAT, "DataService").into(),
    );
    add(&sparql, term(DCAT, "endpointURL"), sparql.clone().into());
    add(
        &sparql,
        term(DCT, "conformsTo"),
        NamedNode::new_unchecked("https://www.w3.org/TR/sparql11-protocol/").into(),
    );
    add(&sparql, term(DCAT, "servesDataset"), dataset.clone().into());
    let mut out = RdfSerializer::from_format(RdfFormat::Turtle)
        .with_prefix("dcat", DCAT)
        .and_then(|s| s.with_prefix("dct", DCT))
        .and_then(|s| s.with_prefix("spdx", SPDX))
        .map_err(|e| Error::Internal(e.to_string()))?
        .for_writer(Vec::new());
    for t in &triples {
        out.serialize_triple(t)
            .map_err(|e| Error::Internal(e.to_string()))?;
    }
    out.finish().map_err(|e| Error::Internal(e.to_string()))
}

/// The dataset's versions, newest first, each with every push and what QDR answered.
#[utoipa::path(get, path = "/api/admin/qdr/versions", tag = "administration", security(("bearer" = [])),
    params(("page" = Option<i64>, Query), ("page_size" = Option<i64>, Query)),
    responses((status = 200, body = ListOf<VersionHistory>), (status = 400), (status = 401), (status = 403)))]
pub async fn history(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<Vec<(String, String)>>,
) -> Result<web::Json<ListOf<VersionHistory>>, Error> {
    caller.superadmin()?;
    let mut p = Params::new(query.into_inner());
    let window = p.window();
    p.finish()?;
    let found = state.db.run(move |conn| qdr::history(conn, window)).await?;
    Ok(web::Json(ListOf::of(found, window)))
}

/// Pushes a version to QDR again (through the outbox, like every push).
#[utoipa::path(post, path = "/api/admin/qdr/versions/{id}/push", tag = "administration", security(("bearer" = [])),
    params(("id" = i32, Path, description = "the version's number")),
    responses((status = 202, description = "the push is queued; its attempts appear in the history"),
        (status = 401), (status = 403),
        (status = 404, body = crate::http::problem::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::http::problem::Problem, content_type = "application/problem+json")))]
pub async fn push(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let actor = Actor::person(&caller.superadmin()?.id, client_ip(&req));
    let number = id
        .parse::<i32>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| Error::NotFound(format!("dataset version {:?}", id.as_str())))?;
    if state.config.qdr_push.is_none() {
        return Err(Error::Conflict(
            "pushing to QDR is not configured (HUB_QDR_URL, HUB_QDR_API_KEY, HUB_QDR_DATASET_URI)"
                .into(),
        ));
    }
    state
        .db
        .run(move |conn| qdr::request_push(conn, &actor, number))
        .await?;
    Ok(HttpResponse::Accepted().finish())
}
