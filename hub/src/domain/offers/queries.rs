//! Reading offers: one by id for whoever may see it, published ones in batches or in a given
//! order (for the catalogue), and the small facts other concepts ask about an offer.

use std::collections::BTreeMap;

use diesel::prelude::*;

use super::rows::{assemble, OfferRow, TranslationRow};
use super::{Offer, OfferText, Visibility};
use crate::db::schema::{offer_translations, offers, organisations};
use crate::db::DbConnection;
use crate::domain::vocabulary::OfferStatus;
use crate::error::Error;

/// Loads offers for rows already fetched, with their provider names and every translation.
fn with_texts(conn: &mut DbConnection, rows: Vec<(OfferRow, String)>) -> Result<Vec<Offer>, Error> {
    let ids: Vec<&str> = rows.iter().map(|(r, _)| r.id.as_str()).collect();
    let mut texts: BTreeMap<String, BTreeMap<String, OfferText>> = BTreeMap::new();
    let translations: Vec<TranslationRow> = offer_translations::table
        .filter(offer_translations::offer_id.eq_any(&ids))
        .select(TranslationRow::as_select())
        .load(conn)?;
    for t in translations {
        let offer_id = t.offer_id.clone();
        let (language, text) = t.into_text()?;
        texts.entry(offer_id).or_default().insert(language, text);
    }
    rows.into_iter()
        .map(|(row, provider)| {
            let t = texts.remove(&row.id).unwrap_or_default();
            assemble(row, provider, t)
        })
        .collect()
}

pub fn get(conn: &mut DbConnection, id: &str, visibility: Visibility) -> Result<Offer, Error> {
    let not_found = || Error::NotFound(format!("offer {id}"));
    let row: Option<(OfferRow, String)> = offers::table
        .inner_join(organisations::table)
        .filter(offers::id.eq(id))
        .select((OfferRow::as_select(), organisations::name))
        .first(conn)
        .optional()?;
    let (row, provider) = row.ok_or_else(not_found)?;
    let visible = match visibility {
        Visibility::Everything => true,
        Visibility::Provider(org) => row.provider_id == org || row.status == OfferStatus::Published,
        Visibility::Public => row.status == OfferStatus::Published,
    };
    if !visible {
        return Err(not_found());
    }
    with_texts(conn, vec![(row, provider)])?
        .pop()
        .ok_or_else(not_found)
}

/// Published offers in id order, after `after`: how the catalogue's search index is built.
pub fn published_batch(
    conn: &mut DbConnection,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<Offer>, Error> {
    let mut query = offers::table
        .inner_join(organisations::table)
        .filter(offers::status.eq(OfferStatus::Published.as_str()))
        .select((OfferRow::as_select(), organisations::name))
        .order(offers::id)
        .limit(limit)
        .into_boxed::<<DbConnection as Connection>::Backend>();
    if let Some(after) = after {
        query = query.filter(offers::id.gt(after.to_string()));
    }
    let rows: Vec<(OfferRow, String)> = query.load(conn)?;
    with_texts(conn, rows)
}

/// These offers in this order, leaving out any that is not (or no longer) published.
pub fn published_in_order(conn: &mut DbConnection, ids: &[String]) -> Result<Vec<Offer>, Error> {
    let rows: Vec<(OfferRow, String)> = offers::table
        .inner_join(organisations::table)
        .filter(offers::status.eq(OfferStatus::Published.as_str()))
        .filter(offers::id.eq_any(ids))
        .select((OfferRow::as_select(), organisations::name))
        .load(conn)?;
    let mut by_id: BTreeMap<String, (OfferRow, String)> =
        rows.into_iter().map(|r| (r.0.id.clone(), r)).collect();
    let ordered = ids.iter().filter_map(|id| by_id.remove(id)).collect();
    with_texts(conn, ordered)
}

/// The offer's title in `lang`, else in its default language (for messages about it).
pub fn title_in(conn: &mut DbConnection, id: &str, lang: &str) -> Result<String, Error> {
    let titles: Vec<(String, String, String)> = offer_translations::table
        .inner_join(offers::table)
        .filter(offer_translations::offer_id.eq(id))
        .select((
            offer_translations::language,
            offers::default_language,
            offer_translations::title,
        ))
        .load(conn)?;
    titles
        .iter()
        .find(|(l, _, _)| l == lang)
        .or_else(|| titles.iter().find(|(l, default, _)| l == default))
        .map(|(_, _, t)| t.clone())
        .ok_or_else(|| Error::NotFound(format!("offer {id}")))
}

/// The provider organisation and status of an offer (for authorising a change).
pub fn provider_and_status(
    conn: &mut DbConnection,
    id: &str,
) -> Result<(String, OfferStatus), Error> {
    let (provider, status): (String, String) = offers::table
        .filter(offers::id.eq(id))
        .select((offers::provider_id, offers::status))
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("offer {id}")))?;
    Ok((provider, status.try_into()?))
}

pub fn count_all(conn: &mut DbConnection) -> Result<i64, Error> {
    Ok(offers::table.count().get_result(conn)?)
}
