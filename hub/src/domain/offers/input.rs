//! What a provider sends to create or change an offer (api.md, Offers): every field optional, so
//! one shape serves `POST` (missing required fields are named) and `PATCH` (absent fields keep
//! their value).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Deserialize;

use super::{Address, NewOffer, Offer, OfferText, QualificationRef, ScheduleSlot};
use crate::domain::money::Money;
use crate::error::{Error, FieldError};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct MoneyInput {
    /// Decimal, e.g. `"3900.00"`.
    pub amount: String,
    /// ISO 4217.
    pub currency: String,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferInput {
    /// Which provider organisation the offer belongs to, when the caller is staff of several.
    pub provider_id: Option<String>,
    pub default_language: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub learning_outcomes: Option<Vec<String>>,
    pub acquired_documents: Option<Vec<String>>,
    pub validation: Option<String>,
    pub target_group: Option<String>,
    pub participant_requirements: Option<String>,
    pub staff_requirements: Option<String>,
    pub vr_ar_instructions: Option<String>,
    /// Texts in other languages; a language given here replaces that language's text.
    pub translations: Option<BTreeMap<String, OfferText>>,
    pub industry: Option<String>,
    pub isced_f_code: Option<String>,
    pub esco_skills: Option<Vec<String>>,
    pub languages: Option<Vec<String>>,
    pub mode: Option<String>,
    pub vr_ar: Option<bool>,
    pub address: Option<Address>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub application_deadline: Option<NaiveDate>,
    pub schedule: Option<Vec<ScheduleSlot>>,
    pub hours: Option<i32>,
    pub price: Option<MoneyInput>,
    pub subsidised: Option<bool>,
    pub eqf_level: Option<i32>,
    pub ects: Option<f64>,
    pub min_participants: Option<i32>,
    pub max_participants: Option<i32>,
    pub microcredential: Option<bool>,
    pub qualification_refs: Option<Vec<QualificationRef>>,
}

fn required<T>(value: Option<T>, field: &str, errors: &mut Vec<FieldError>) -> Option<T> {
    if value.is_none() {
        errors.push(FieldError::new(field, "required", "this field is required"));
    }
    value
}

impl Offer {
    /// The offer's current state as the input to a change.
    pub fn as_new(&self) -> NewOffer {
        let mut texts = self.translations.clone();
        texts.insert(self.default_language.clone(), self.text.clone());
        NewOffer {
            provider_id: self.provider.id.clone(),
            default_language: self.default_language.clone(),
            texts,
            industry: self.industry.clone(),
            isced_f_code: self.isced_f_code.clone(),
            esco_skills: self.esco_skills.clone(),
            languages: self.languages.clone(),
            mode: self.mode.clone(),
            vr_ar: self.vr_ar,
            address: self.address.clone(),
            start_date: self.start_date,
            end_date: self.end_date,
            application_deadline: self.application_deadline,
            schedule: self.schedule.clone(),
            hours: self.hours,
            // Our own amounts always parse back: they were formatted from minor units.
            price_minor: Money::parse_minor(&self.price.amount, &self.price.currency).unwrap_or(0),
            price_currency: self.price.currency.clone(),
            subsidised: self.subsidised,
            eqf_level: self.eqf_level,
            ects: self.ects,
            min_participants: self.min_participants,
            max_participants: self.max_participants,
            microcredential: self.microcredential,
            qualification_refs: self.qualification_refs.clone(),
        }
    }
}

impl OfferInput {
    /// A new offer of `provider_id`; every missing required field is named.
    pub fn into_new(self, provider_id: &str) -> Result<NewOffer, Error> {
        let mut errors = Vec::new();
        let default_language = required(
            self.default_language.clone(),
            "default_language",
            &mut errors,
        );
        let title = required(self.title.clone(), "title", &mut errors);
        let description = required(self.description.clone(), "description", &mut errors);
        let industry = required(self.industry.clone(), "industry", &mut errors);
        let mode = required(self.mode.clone(), "mode", &mut errors);
        let start_date = required(self.start_date, "start_date", &mut errors);
        let end_date = required(self.end_date, "end_date", &mut errors);
        let hours = required(self.hours, "hours", &mut errors);
        // Checked for presence here; `apply_to` parses it.
        required(self.price.as_ref(), "price", &mut errors);
        let min_participants = required(self.min_participants, "min_participants", &mut errors);
        let max_participants = required(self.max_participants, "max_participants", &mut errors);
        let languages = required(self.languages.clone(), "languages", &mut errors);
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        let (Some(default_language), Some(title), Some(description), Some(industry), Some(mode)) =
            (default_language, title, description, industry, mode)
        else {
            unreachable!("checked above")
        };
        let text = OfferText {
            title,
            description,
            ..Default::default()
        };
        let base = NewOffer {
            provider_id: provider_id.to_string(),
            texts: [(default_language.clone(), text)].into(),
            default_language,
            industry,
            isced_f_code: None,
            esco_skills: Vec::new(),
            languages: languages.unwrap_or_default(),
            mode,
            vr_ar: false,
            address: None,
            start_date: start_date.expect("checked"),
            end_date: end_date.expect("checked"),
            application_deadline: None,
            schedule: Vec::new(),
            hours: hours.expect("checked"),
            price_minor: 0,
            price_currency: String::new(),
            subsidised: false,
            eqf_level: None,
            ects: None,
            min_participants: min_participants.expect("checked"),
            max_participants: max_participants.expect("checked"),
            microcredential: false,
            qualification_refs: Vec::new(),
        };
        self.apply_to(base)
    }

    /// `current` with every field this input gives replaced, checked as a whole.
    pub fn apply_to(self, mut o: NewOffer) -> Result<NewOffer, Error> {
        let mut errors = Vec::new();
        if let Some(lang) = self.default_language {
            // The texts move with the language: the old default's text stays as a translation.
            o.default_language = lang;
        }
        let own = o.texts.entry(o.default_language.clone()).or_default();
        macro_rules! text {
            ($($f:ident),*) => { $(if let Some(v) = self.$f { own.$f = v.into(); })* };
        }
        text!(title, description, learning_outcomes, acquired_documents);
        macro_rules! optional_text {
            ($($f:ident),*) => { $(if let Some(v) = self.$f { own.$f = Some(v).filter(|s: &String| !s.trim().is_empty()); })* };
        }
        optional_text!(
            validation,
            target_group,
            participant_requirements,
            staff_requirements,
            vr_ar_instructions
        );
        if let Some(translations) = self.translations {
            for (lang, text) in translations {
                o.texts.insert(lang, text);
            }
        }
        macro_rules! field {
            ($($f:ident),*) => { $(if let Some(v) = self.$f { o.$f = v.into(); })* };
        }
        field!(
            industry,
            esco_skills,
            languages,
            mode,
            vr_ar,
            start_date,
            end_date,
            schedule,
            hours
        );
        field!(
            subsidised,
            min_participants,
            max_participants,
            microcredential,
            qualification_refs
        );
        if let Some(v) = self.isced_f_code {
            o.isced_f_code = Some(v);
        }
        if let Some(v) = self.address {
            o.address = Some(v);
        }
        if let Some(v) = self.application_deadline {
            o.application_deadline = Some(v);
        }
        if let Some(v) = self.eqf_level {
            o.eqf_level = Some(v);
        }
        if let Some(v) = self.ects {
            o.ects = Some(v);
        }
        if let Some(price) = self.price {
            match Money::parse_minor(&price.amount, &price.currency) {
                Some(minor) => {
                    o.price_minor = minor;
                    o.price_currency = price.currency.to_ascii_uppercase();
                }
                None if crate::domain::money::minor_digits(&price.currency).is_none() => errors
                    .push(FieldError::new(
                        "price.currency",
                        "invalid",
                        "not an ISO 4217 currency code",
                    )),
                None => errors.push(FieldError::new(
                    "price.amount",
                    "invalid",
                    "a non-negative decimal with no more digits than the currency has",
                )),
            }
        }
        if let Err(Error::Validation(more)) = o.validate() {
            for e in more {
                if !errors.iter().any(|x| x.field == e.field) {
                    errors.push(e);
                }
            }
        }
        if errors.is_empty() {
            Ok(o)
        } else {
            Err(Error::Validation(errors))
        }
    }
}
