//! The rows an offer is stored in, and how they become an [`Offer`]. An offer's text lives in
//! `offer_translations`, one row per language; the default language's row is the offer's own
//! text and the others are its translations.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::{Address, Offer, OfferText, ProviderRef};
use crate::db::schema::{offer_translations, offers};
use crate::domain::money::Money;
use crate::domain::vocabulary::OfferStatus;
use crate::error::Error;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = offers)]
pub(super) struct OfferRow {
    pub(super) id: String,
    pub(super) version: i32,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub(super) status: OfferStatus,
    pub(super) provider_id: String,
    pub(super) default_language: String,
    pub(super) industry: String,
    pub(super) isced_f_code: Option<String>,
    pub(super) esco_skills: String,
    pub(super) languages: String,
    pub(super) mode: String,
    pub(super) vr_ar: bool,
    pub(super) street: Option<String>,
    pub(super) postal_code: Option<String>,
    pub(super) city: Option<String>,
    pub(super) country: Option<String>,
    pub(super) start_date: NaiveDate,
    pub(super) end_date: NaiveDate,
    pub(super) application_deadline: Option<NaiveDate>,
    pub(super) schedule: String,
    pub(super) hours: i32,
    pub(super) price_minor: i64,
    pub(super) price_currency: String,
    pub(super) subsidised: bool,
    pub(super) eqf_level: Option<i32>,
    pub(super) ects: Option<f64>,
    pub(super) min_participants: i32,
    pub(super) max_participants: i32,
    pub(super) microcredential: bool,
    pub(super) qualification_refs: String,
    pub(super) chamilo_course_code: Option<String>,
    pub(super) created_by: Option<String>,
    pub(super) created_at: NaiveDateTime,
    pub(super) updated_at: NaiveDateTime,
    pub(super) published_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = offer_translations)]
pub(super) struct TranslationRow {
    pub(super) offer_id: String,
    pub(super) language: String,
    pub(super) title: String,
    pub(super) description: String,
    pub(super) learning_outcomes: String,
    pub(super) acquired_documents: String,
    pub(super) validation: Option<String>,
    pub(super) target_group: Option<String>,
    pub(super) participant_requirements: Option<String>,
    pub(super) staff_requirements: Option<String>,
    pub(super) vr_ar_instructions: Option<String>,
}

impl TranslationRow {
    pub(super) fn into_text(self) -> Result<(String, OfferText), Error> {
        Ok((
            self.language,
            OfferText {
                title: self.title,
                description: self.description,
                learning_outcomes: serde_json::from_str(&self.learning_outcomes)?,
                acquired_documents: serde_json::from_str(&self.acquired_documents)?,
                validation: self.validation,
                target_group: self.target_group,
                participant_requirements: self.participant_requirements,
                staff_requirements: self.staff_requirements,
                vr_ar_instructions: self.vr_ar_instructions,
            },
        ))
    }
}

pub(super) fn assemble(
    row: OfferRow,
    provider_name: String,
    mut texts: BTreeMap<String, OfferText>,
) -> Result<Offer, Error> {
    let text = texts.remove(&row.default_language).unwrap_or_default();
    let has_address = row.street.is_some() || row.city.is_some() || row.country.is_some();
    Ok(Offer {
        text_language: row.default_language.clone(),
        text_is_fallback: false,
        provider: ProviderRef {
            id: row.provider_id,
            name: provider_name,
        },
        text,
        translations: texts,
        esco_skills: serde_json::from_str(&row.esco_skills)?,
        languages: serde_json::from_str(&row.languages)?,
        schedule: serde_json::from_str(&row.schedule)?,
        qualification_refs: serde_json::from_str(&row.qualification_refs)?,
        address: has_address.then_some(Address {
            street: row.street,
            postal_code: row.postal_code,
            city: row.city,
            country: row.country,
        }),
        price: Money::from_minor(row.price_minor, &row.price_currency),
        id: row.id,
        version: row.version,
        status: row.status,
        default_language: row.default_language,
        industry: row.industry,
        isced_f_code: row.isced_f_code,
        mode: row.mode,
        vr_ar: row.vr_ar,
        start_date: row.start_date,
        end_date: row.end_date,
        application_deadline: row.application_deadline,
        hours: row.hours,
        subsidised: row.subsidised,
        eqf_level: row.eqf_level,
        ects: row.ects,
        min_participants: row.min_participants,
        max_participants: row.max_participants,
        microcredential: row.microcredential,
        chamilo_course_code: row.chamilo_course_code,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
        published_at: row.published_at.map(|t| t.and_utc()),
        review: None,
    })
}
