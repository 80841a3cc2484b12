//! One Ed25519 key per provider organisation, made on first need, its secret sealed with the
//! master key. Rotation retires the current key and makes a new one; retired keys stay listed
//! in the issuer's profile, so what they signed still verifies.

use chrono::Utc;
use diesel::prelude::*;
use ed25519_dalek::SigningKey;

use crate::crypto::Sealer;
use crate::db::schema::{issuer_keys, organisations};
use crate::db::{write_transaction, DbConnection};
use crate::error::Error;
use rdf::credentials::proof;

/// A key the issuer has or had, as its profile lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PublicKey {
    pub multikey: String,
    pub created_at: chrono::NaiveDateTime,
    pub retired_at: Option<chrono::NaiveDateTime>,
}

fn generate(
    conn: &mut DbConnection,
    sealer: &Sealer,
    organisation: &str,
) -> Result<SigningKey, Error> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).expect("the operating system's random source failed");
    let key = SigningKey::from_bytes(&seed);
    diesel::insert_into(issuer_keys::table)
        .values((
            issuer_keys::id.eq(uuid::Uuid::new_v4().to_string()),
            issuer_keys::organisation_id.eq(organisation),
            issuer_keys::public_key.eq(proof::public_multikey(&key.verifying_key())),
            issuer_keys::secret_sealed.eq(sealer.seal(&seed)),
            issuer_keys::created_at.eq(Utc::now().naive_utc()),
        ))
        .execute(conn)?;
    Ok(key)
}

/// The organisation's current signing key, made when it has none. Two hubs issuing the first
/// badges of an organisation at once may each make one: both are listed in its profile and both
/// verify, and the newer signs from then on.
pub fn current(
    conn: &mut DbConnection,
    sealer: &Sealer,
    organisation: &str,
) -> Result<SigningKey, Error> {
    let sealed: Option<String> = issuer_keys::table
        .filter(issuer_keys::organisation_id.eq(organisation))
        .filter(issuer_keys::retired_at.is_null())
        .order(issuer_keys::created_at.desc())
        .select(issuer_keys::secret_sealed)
        .first(conn)
        .optional()?;
    match sealed {
        Some(sealed) => {
            let seed: [u8; 32] = sealer
                .open(&sealed)?
                .try_into()
                .map_err(|_| Error::Internal("an issuer key is not 32 bytes".into()))?;
            Ok(SigningKey::from_bytes(&seed))
        }
        None => generate(conn, sealer, organisation),
    }
}

/// Retires the organisation's key and makes a new one (`hub keys rotate --provider ID`),
/// audited; the new key's Multikey.
pub fn rotate(
    conn: &mut DbConnection,
    sealer: &Sealer,
    organisation: &str,
    actor: &crate::domain::Actor,
) -> Result<String, Error> {
    write_transaction(conn, |conn| {
        let exists: i64 = organisations::table
            .filter(organisations::id.eq(organisation))
            .count()
            .get_result(conn)?;
        if exists == 0 {
            return Err(Error::NotFound(format!("organisation {organisation}")));
        }
        diesel::update(
            issuer_keys::table
                .filter(issuer_keys::organisation_id.eq(organisation))
                .filter(issuer_keys::retired_at.is_null()),
        )
        .set(issuer_keys::retired_at.eq(Utc::now().naive_utc()))
        .execute(conn)?;
        let key = proof::public_multikey(&generate(conn, sealer, organisation)?.verifying_key());
        crate::domain::audit::record(
            conn,
            actor,
            crate::domain::audit::Action::IssuerKeyRotated,
            crate::domain::vocabulary::SubjectType::Organisation,
            Some(organisation),
            serde_json::json!({ "key": key }),
        )?;
        Ok(key)
    })
}

/// Every key the organisation has had, oldest first.
pub fn all(conn: &mut DbConnection, organisation: &str) -> Result<Vec<PublicKey>, Error> {
    let rows: Vec<(String, chrono::NaiveDateTime, Option<chrono::NaiveDateTime>)> =
        issuer_keys::table
            .filter(issuer_keys::organisation_id.eq(organisation))
            .order(issuer_keys::created_at.asc())
            .select((
                issuer_keys::public_key,
                issuer_keys::created_at,
                issuer_keys::retired_at,
            ))
            .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(multikey, created_at, retired_at)| PublicKey {
            multikey,
            created_at,
            retired_at,
        })
        .collect())
}
