//! The QDR dataset (europass.md, "Publishing to QDR"): numbered versions, each the LOQ document of
//! the offers published when it was made, kept in SQL so that QDR can fetch any of them and a
//! superadmin can see what was pushed and what QDR answered.
//!
//! A version is made in two steps. [`build`] writes the document as a stream, gzip-compressed,
//! to a temporary file, hashing the XML as it goes; it reads the offers in batches and holds one
//! at a time, so a large catalogue costs disk, not memory. [`record`] then stores it in one
//! transaction (the row, the document in 1 MiB pieces, the event that has it pushed) unless its
//! hash equals the latest version's (the same offers make no new version) or the latest version
//! was built from a later reading (another hub's build overtook this one).
//!
//! The batches are not one snapshot: an offer changed while the document is written appears as
//! it was when its batch was read, and its change (an event) makes the next version.

use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, Write};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use flate2::write::GzEncoder;
use flate2::Compression;
use rdf::loq::{Courses, LoqError};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::audit::Actor;
use super::europass;
use super::events::{self, EventKind, NewEvent};
use super::vocabulary::SubjectType;
use crate::db::schema::{qdr_attempts, qdr_chunks, qdr_versions};
use crate::db::{write_transaction, DbConnection, Paged, Window};
use crate::error::Error;

/// Offers read from SQL at once while a document is written.
const BATCH: i64 = 500;
/// The largest piece a stored document is cut into.
pub const CHUNK: usize = 1024 * 1024;

/// An offer the pre-publication check kept out of a version, and the rule it broke.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Excluded {
    pub offer: String,
    pub field: String,
    pub message: String,
}

/// A version of the dataset.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Version {
    pub number: i32,
    #[serde(serialize_with = "crate::db::utc")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    pub notes: String,
    /// SHA-256 of the XML, hex.
    pub content_hash: String,
    pub offer_count: i32,
    /// Size of the XML in bytes.
    pub byte_size: i64,
    pub excluded: Vec<Excluded>,
}

type VersionRow = (i32, NaiveDateTime, String, String, i32, i64, String);

const VERSION_COLUMNS: (
    qdr_versions::number,
    qdr_versions::created_at,
    qdr_versions::notes,
    qdr_versions::content_hash,
    qdr_versions::offer_count,
    qdr_versions::byte_size,
    qdr_versions::excluded,
) = (
    qdr_versions::number,
    qdr_versions::created_at,
    qdr_versions::notes,
    qdr_versions::content_hash,
    qdr_versions::offer_count,
    qdr_versions::byte_size,
    qdr_versions::excluded,
);

fn version_of(row: VersionRow) -> Version {
    let (number, created_at, notes, content_hash, offer_count, byte_size, excluded) = row;
    Version {
        number,
        created_at,
        notes,
        content_hash,
        offer_count,
        byte_size,
        excluded: serde_json::from_str(&excluded).unwrap_or_default(),
    }
}

/// One push of a version to QDR, and what came back.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Attempt {
    #[serde(serialize_with = "crate::db::utc")]
    #[schema(value_type = String, format = DateTime)]
    pub at: NaiveDateTime,
    /// QDR's HTTP status; absent when no answer came.
    pub status: Option<i32>,
    pub ok: bool,
    /// QDR's answer, or why there was none (cut to 4 KiB).
    pub response: String,
}

/// A version with its pushes, oldest first: the superadmin's history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VersionHistory {
    #[serde(flatten)]
    pub version: Version,
    pub attempts: Vec<Attempt>,
}

/// A document written and waiting to be stored.
pub struct Document {
    /// The gzip-compressed XML, read from its start.
    file: File,
    /// When the build began reading the offers.
    pub started: NaiveDateTime,
    pub hash: String,
    pub byte_size: i64,
    pub offer_count: usize,
    pub excluded: Vec<Excluded>,
}

/// Counts and hashes the XML on its way to the compressor.
struct Hashing<W> {
    inner: W,
    sha: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.sha.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn io_error(e: io::Error) -> Error {
    Error::Internal(format!("writing the QDR document: {e}"))
}

/// Writes the LOQ document of every published offer on the hub at `base`; offers that fail the
/// pre-publication check are left out and named.
pub fn build(conn: &mut DbConnection, base: &str) -> Result<Document, Error> {
    let started = chrono::Utc::now().naive_utc();
    let spool = tempfile::tempfile().map_err(io_error)?;
    let gzip = GzEncoder::new(BufWriter::new(spool), Compression::default());
    let hashing = Hashing {
        inner: gzip,
        sha: Sha256::new(),
        bytes: 0,
    };
    let mut doc = Courses::new(hashing, base).map_err(io_error)?;
    let mut excluded = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let (batch, providers) = europass::published_batch(conn, after.as_deref(), BATCH)?;
        let Some(last) = batch.last() else { break };
        after = Some(last.id.clone());
        for offer in &batch {
            let Some(provider) = providers.get(&offer.provider.id) else {
                excluded.push(Excluded {
                    offer: offer.id.clone(),
                    field: "provider".into(),
                    message: "the provider organisation is missing".into(),
                });
                continue;
            };
            let lo = europass::learning_opportunity(offer, provider, base);
            match doc.add(&lo) {
                Ok(()) => {}
                Err(LoqError::Offer { offer, error }) => excluded.push(Excluded {
                    offer,
                    field: error.field.to_string(),
                    message: error.message,
                }),
                Err(LoqError::Io(e)) => return Err(io_error(e)),
            }
        }
    }
    let offer_count = doc.len();
    let hashing = doc.finish().map_err(io_error)?;
    let hash = crate::crypto::hex(&hashing.sha.finalize());
    let mut file = hashing
        .inner
        .finish()
        .map_err(io_error)?
        .into_inner()
        .map_err(|e| io_error(e.into_error()))?;
    file.rewind().map_err(io_error)?;
    Ok(Document {
        file,
        started,
        hash,
        byte_size: hashing.bytes as i64,
        offer_count,
        excluded,
    })
}

impl Document {
    /// The size of the compressed document as it will be stored.
    pub fn compressed_bytes(&self) -> u64 {
        self.file.metadata().map_or(0, |m| m.len())
    }
}

/// What a version says of itself: how many offers, and which were left out and why.
fn notes(doc: &Document) -> String {
    let mut notes = format!("{} learning opportunities", doc.offer_count);
    if !doc.excluded.is_empty() {
        let named: Vec<String> = doc
            .excluded
            .iter()
            .take(10)
            .map(|e| format!("{} ({}: {})", e.offer, e.field, e.message))
            .collect();
        notes.push_str(&format!(
            "; {} left out by the pre-publication check: {}",
            doc.excluded.len(),
            named.join("; ")
        ));
        if doc.excluded.len() > named.len() {
            notes.push_str("; …");
        }
    }
    notes
}

/// Stores `doc` as the next version and has it pushed, unless it equals the latest version.
pub fn record(
    conn: &mut DbConnection,
    actor: &Actor,
    mut doc: Document,
) -> Result<Option<Version>, Error> {
    write_transaction(conn, |conn| {
        let latest: Option<(i32, String, NaiveDateTime)> = qdr_versions::table
            .order(qdr_versions::number.desc())
            .select((
                qdr_versions::number,
                qdr_versions::content_hash,
                qdr_versions::built_from,
            ))
            .first(conn)
            .optional()?;
        if latest
            .as_ref()
            .is_some_and(|(_, hash, from)| *hash == doc.hash || *from >= doc.started)
        {
            return Ok(None);
        }
        let version = Version {
            number: latest.map_or(1, |(n, _, _)| n + 1),
            created_at: chrono::Utc::now().naive_utc(),
            notes: notes(&doc),
            content_hash: doc.hash.clone(),
            offer_count: doc.offer_count as i32,
            byte_size: doc.byte_size,
            excluded: doc.excluded.clone(),
        };
        diesel::insert_into(qdr_versions::table)
            .values((
                qdr_versions::number.eq(version.number),
                qdr_versions::created_at.eq(version.created_at),
                qdr_versions::built_from.eq(doc.started),
                qdr_versions::notes.eq(&version.notes),
                qdr_versions::content_hash.eq(&version.content_hash),
                qdr_versions::offer_count.eq(version.offer_count),
                qdr_versions::byte_size.eq(version.byte_size),
                qdr_versions::excluded.eq(serde_json::to_string(&version.excluded)?),
            ))
            .execute(conn)?;
        let mut piece = vec![0u8; CHUNK];
        for seq in 0.. {
            let n = read_full(&mut doc.file, &mut piece).map_err(io_error)?;
            if n == 0 {
                break;
            }
            diesel::insert_into(qdr_chunks::table)
                .values((
                    qdr_chunks::version.eq(version.number),
                    qdr_chunks::seq.eq(seq),
                    qdr_chunks::data.eq(&piece[..n]),
                ))
                .execute(conn)?;
        }
        events::record(
            conn,
            actor,
            NewEvent::new(
                EventKind::QdrVersion,
                SubjectType::QdrVersion,
                version.number.to_string(),
                serde_json::json!({
                    "number": version.number,
                    "content_hash": version.content_hash,
                    "offer_count": version.offer_count,
                }),
            ),
        )?;
        Ok(Some(version))
    })
}

/// Fills `buf` as far as the file allows.
fn read_full(file: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// Builds and records a version: what the dataset job does when the offers have settled.
pub fn make_version(conn: &mut DbConnection, base: &str) -> Result<Option<Version>, Error> {
    let doc = build(conn, base)?;
    record(conn, &Actor::hub(), doc)
}

/// The latest version, if any was made.
pub fn current(conn: &mut DbConnection) -> Result<Option<Version>, Error> {
    Ok(qdr_versions::table
        .order(qdr_versions::number.desc())
        .select(VERSION_COLUMNS)
        .first::<VersionRow>(conn)
        .optional()?
        .map(version_of))
}

pub fn version(conn: &mut DbConnection, number: i32) -> Result<Option<Version>, Error> {
    Ok(qdr_versions::table
        .find(number)
        .select(VERSION_COLUMNS)
        .first::<VersionRow>(conn)
        .optional()?
        .map(version_of))
}

/// The `seq`th piece of a version's compressed document; `None` past the last.
pub fn chunk(conn: &mut DbConnection, number: i32, seq: i32) -> Result<Option<Vec<u8>>, Error> {
    Ok(qdr_chunks::table
        .find((number, seq))
        .select(qdr_chunks::data)
        .first(conn)
        .optional()?)
}

/// Every version's row, newest first (for DCAT, which lists them).
pub fn all(conn: &mut DbConnection) -> Result<Vec<Version>, Error> {
    Ok(qdr_versions::table
        .order(qdr_versions::number.desc())
        .select(VERSION_COLUMNS)
        .load::<VersionRow>(conn)?
        .into_iter()
        .map(version_of)
        .collect())
}

/// The versions, newest first, each with its pushes.
pub fn history(conn: &mut DbConnection, window: Window) -> Result<Paged<VersionHistory>, Error> {
    let total = qdr_versions::table.count().get_result(conn)?;
    let versions: Vec<Version> = qdr_versions::table
        .order(qdr_versions::number.desc())
        .offset(window.offset())
        .limit(window.limit())
        .select(VERSION_COLUMNS)
        .load::<VersionRow>(conn)?
        .into_iter()
        .map(version_of)
        .collect();
    let numbers: Vec<i32> = versions.iter().map(|v| v.number).collect();
    let attempts: Vec<(i32, NaiveDateTime, Option<i32>, bool, String)> = qdr_attempts::table
        .filter(qdr_attempts::version.eq_any(&numbers))
        .order(qdr_attempts::id)
        .select((
            qdr_attempts::version,
            qdr_attempts::at,
            qdr_attempts::status,
            qdr_attempts::ok,
            qdr_attempts::response,
        ))
        .load(conn)?;
    let items = versions
        .into_iter()
        .map(|version| VersionHistory {
            attempts: attempts
                .iter()
                .filter(|a| a.0 == version.number)
                .map(|(_, at, status, ok, response)| Attempt {
                    at: *at,
                    status: *status,
                    ok: *ok,
                    response: response.clone(),
                })
                .collect(),
            version,
        })
        .collect();
    Ok(Paged { items, total })
}

/// Has version `number` pushed again (a superadmin's request).
pub fn request_push(conn: &mut DbConnection, actor: &Actor, number: i32) -> Result<(), Error> {
    write_transaction(conn, |conn| {
        if version(conn, number)?.is_none() {
            return Err(Error::NotFound(format!("dataset version {number}")));
        }
        events::record(
            conn,
            actor,
            NewEvent::new(
                EventKind::QdrPush,
                SubjectType::QdrVersion,
                number.to_string(),
                serde_json::json!({ "number": number }),
            ),
        )?;
        Ok(())
    })
}

/// Has the latest version pushed when it never was and no push of it is waiting: QDR was
/// configured after the version was made, or the version was made before the pusher had
/// subscribed. Returns the version queued.
pub fn push_if_never_pushed(conn: &mut DbConnection) -> Result<Option<i32>, Error> {
    use crate::db::schema::{deliveries, events as event_rows};
    let Some(latest) = current(conn)? else {
        return Ok(None);
    };
    let number = latest.number;
    let pushed: i64 = qdr_attempts::table
        .filter(qdr_attempts::version.eq(number))
        .filter(qdr_attempts::ok.eq(true))
        .count()
        .get_result(conn)?;
    let waiting: i64 = deliveries::table
        .inner_join(event_rows::table)
        .filter(deliveries::consumer.eq(PUSHER))
        .filter(deliveries::status.eq(crate::db::outbox::DeliveryStatus::Pending.as_str()))
        .filter(event_rows::subject_type.eq(SubjectType::QdrVersion.as_str()))
        .filter(event_rows::subject_id.eq(number.to_string()))
        .count()
        .get_result(conn)?;
    if pushed > 0 || waiting > 0 {
        return Ok(None);
    }
    request_push(conn, &Actor::hub(), number)?;
    Ok(Some(number))
}

/// The outbox consumer that pushes versions.
pub const PUSHER: &str = "qdr";

/// Records one push of `number` and what QDR answered.
pub fn record_attempt(
    conn: &mut DbConnection,
    number: i32,
    status: Option<u16>,
    ok: bool,
    response: &str,
) -> Result<(), Error> {
    let mut response: String = response.chars().take(4096).collect();
    if response.is_empty() {
        response = "(empty)".into();
    }
    diesel::insert_into(qdr_attempts::table)
        .values((
            qdr_attempts::version.eq(number),
            qdr_attempts::at.eq(chrono::Utc::now().naive_utc()),
            qdr_attempts::status.eq(status.map(i32::from)),
            qdr_attempts::ok.eq(ok),
            qdr_attempts::response.eq(response),
        ))
        .execute(conn)?;
    Ok(())
}
