//! Demo data: two training providers, one employer, a user for every role and a catalogue of
//! published offers in four languages, so a bare `cargo run` shows a working registry.
//!
//! Everything is created in one transaction, so it is there entirely or not at all, and a second
//! run finds it and does nothing. Passwords are random per installation and returned once for
//! the caller to print: demo accounts must never share a password with anyone else's demo.

mod catalogue;

use std::collections::BTreeMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{Duration, Utc};

use crate::db::{write_transaction, DbConnection};
use crate::domain::accounts::{self, NewUser};
use crate::domain::offers::{self, Address, NewOffer, OfferText, QualificationRef};
use crate::domain::organisations::{self, Kind, NewOrganisation};
use crate::domain::vocabulary::Role;
use crate::domain::Actor;
use crate::error::Error;

pub const PROVIDERS: [(&str, &str, &str); 2] = [
    ("Akademia Usług Biznesowych", "Kraków", "PL"),
    ("Mediterranean Skills Lab", "Bologna", "IT"),
];
pub const EMPLOYER: (&str, &str, &str) = ("Nordic Shared Services Poland", "Wrocław", "PL");

/// A demo account as printed once after creation.
#[derive(Debug, Clone)]
pub struct Credential {
    pub role: &'static str,
    pub email: &'static str,
    pub password: String,
}

struct DemoUser {
    role: &'static str,
    email: &'static str,
    first: &'static str,
    last: &'static str,
    language: &'static str,
    roles: &'static [Role],
    /// Index into PROVIDERS, or 2 for the employer.
    organisation: Option<usize>,
}

const USERS: [DemoUser; 6] = [
    DemoUser {
        role: "superadmin",
        email: "admin@demo.example",
        first: "Ewa",
        last: "Nowak",
        language: "en",
        roles: &[Role::Superadmin],
        organisation: None,
    },
    DemoUser {
        role: "provider staff",
        email: "provider@demo.example",
        first: "Marek",
        last: "Wiśniewski",
        language: "pl",
        roles: &[],
        organisation: Some(0),
    },
    DemoUser {
        role: "provider staff",
        email: "provider.it@demo.example",
        first: "Giulia",
        last: "Ferrari",
        language: "it",
        roles: &[],
        organisation: Some(1),
    },
    DemoUser {
        role: "employer staff",
        email: "employer@demo.example",
        first: "Katarzyna",
        last: "Zielińska",
        language: "pl",
        roles: &[],
        organisation: Some(2),
    },
    DemoUser {
        role: "trainer",
        email: "trainer@demo.example",
        first: "Nikos",
        last: "Papadopoulos",
        language: "el",
        roles: &[Role::Trainer],
        organisation: None,
    },
    DemoUser {
        role: "trainee",
        email: "trainee@demo.example",
        first: "Anna",
        last: "Kowalska",
        language: "pl",
        roles: &[Role::Trainee],
        organisation: None,
    },
];

fn random_password() -> Result<String, Error> {
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).map_err(|e| Error::Internal(format!("random: {e}")))?;
    // A digit and a special character so the policy of identity.md always holds.
    Ok(format!("{}-7", URL_SAFE_NO_PAD.encode(bytes)))
}

/// True when the demo data is already there.
pub fn present(conn: &mut DbConnection) -> Result<bool, Error> {
    Ok(organisations::find_by_name(conn, Kind::Provider, PROVIDERS[0].0)?.is_some())
}

/// Creates the demo data unless it exists; returns the new accounts' credentials, or `None`.
pub fn ensure(conn: &mut DbConnection) -> Result<Option<Vec<Credential>>, Error> {
    write_transaction(conn, |conn| {
        if present(conn)? {
            return Ok(None);
        }
        let mut org_ids = Vec::new();
        for (kind, (name, city, country)) in [
            (Kind::Provider, PROVIDERS[0]),
            (Kind::Provider, PROVIDERS[1]),
            (Kind::Employer, EMPLOYER),
        ] {
            let org = NewOrganisation {
                kind,
                name,
                city: Some(city),
                country: Some(country),
                website: None,
                confirmed: true,
            };
            org_ids.push(organisations::create(conn, &org, &Actor::hub())?);
        }

        let mut credentials = Vec::new();
        let mut provider_staff = [None, None];
        for u in &USERS {
            let password = random_password()?;
            let new = NewUser {
                email: u.email,
                password_hash: Some(accounts::hash_password(&password)?),
                first_name: u.first,
                last_name: u.last,
                language: u.language,
                roles: u.roles,
                confirmed: true,
            };
            let id = accounts::create(conn, &new, &Actor::hub())?;
            if let Some(org) = u.organisation {
                organisations::add_member(conn, &org_ids[org], &id, true)?;
                if org < 2 && provider_staff[org].is_none() {
                    provider_staff[org] = Some(id.clone());
                }
            }
            credentials.push(Credential {
                role: u.role,
                email: u.email,
                password,
            });
        }

        let today = Utc::now().date_naive();
        for (n, &(topic, provider, place, mode, default_language, languages, days)) in
            catalogue::RUNS.iter().enumerate()
        {
            let t = &catalogue::TOPICS[topic];
            let start = today + Duration::days(days);
            let weeks = (t.hours as i64 / 8).max(1);
            let currency = if provider == 0 { "PLN" } else { "EUR" };
            // Euro prices are about a quarter of the złoty figures.
            let price_minor = if provider == 0 {
                t.price * 100
            } else {
                t.price * 25
            };
            let texts: BTreeMap<String, OfferText> = t
                .texts
                .iter()
                .map(|&(lang, title, description)| {
                    // Only the English text is written out in full; the other languages carry
                    // title and description (the demo has no translator for the rest).
                    let en = lang == "en";
                    (
                        lang.to_string(),
                        OfferText {
                            title: title.to_string(),
                            description: description.to_string(),
                            learning_outcomes: if en {
                                t.outcomes.iter().map(|o| o.to_string()).collect()
                            } else {
                                Vec::new()
                            },
                            acquired_documents: match (en, t.microcredential) {
                                (false, _) => Vec::new(),
                                (true, true) => vec!["Open Badge 3.0 micro-credential".into()],
                                (true, false) => vec!["Certificate of completion".into()],
                            },
                            validation: en.then(|| "Practical task assessed by the trainer".into()),
                            target_group: en
                                .then(|| "Employees of business-services centres".into()),
                            participant_requirements: None,
                            staff_requirements: None,
                            vr_ar_instructions: t.vr_ar.filter(|_| en).map(str::to_string),
                        },
                    )
                })
                .collect();
            let new = NewOffer {
                provider_id: org_ids[provider].clone(),
                default_language: default_language.to_string(),
                texts,
                industry: t.industry.to_string(),
                isced_f_code: Some(t.isced_f.to_string()),
                esco_skills: t.esco_skills.iter().map(|s| s.to_string()).collect(),
                languages: languages.iter().map(|s| s.to_string()).collect(),
                mode: mode.to_string(),
                vr_ar: t.vr_ar.is_some(),
                address: place.map(|(city, country)| Address {
                    street: None,
                    postal_code: None,
                    city: Some(city.to_string()),
                    country: Some(country.to_string()),
                }),
                start_date: start,
                end_date: start + Duration::weeks(weeks),
                application_deadline: Some(start - Duration::days(3)),
                schedule: Vec::new(),
                hours: t.hours,
                price_minor,
                price_currency: currency.to_string(),
                subsidised: n % 3 == 0,
                eqf_level: Some(t.eqf_level),
                ects: t.ects,
                min_participants: 4,
                max_participants: if mode == "online" { 40 } else { 16 },
                microcredential: t.microcredential,
                qualification_refs: if t.microcredential {
                    vec![QualificationRef {
                        scheme: "hub-microcredential".into(),
                        identifier: format!("MBS-{topic:02}"),
                    }]
                } else {
                    Vec::new()
                },
            };
            let actor = Actor {
                user_id: provider_staff[provider].clone(),
                ip: None,
            };
            let id = offers::create(conn, &new, &actor)?;
            offers::publish(conn, &id, &Actor::hub())?;
        }
        // Chamilo as configured in examples/chamilo-oauth2.md, on compose.yaml's port.
        let chamilo = crate::domain::oidc::create_client(
            conn,
            "Chamilo",
            &["http://localhost:8081/plugin/oauth2/src/callback.php".into()],
            &["http://localhost:8081/".into()],
            true,
            false,
            &Actor::hub(),
        )?;
        credentials.push(Credential {
            role: "OIDC client",
            email: "Chamilo",
            password: format!(
                "client_id={} client_secret={}",
                chamilo.client_id,
                chamilo.client_secret.unwrap_or_default()
            ),
        });
        Ok(Some(credentials))
    })
}

/// The credentials as a block for the terminal, with the warning that they are for demos only.
pub fn describe(credentials: &[Credential]) -> String {
    let mut out = String::from(
        "Demo accounts (DEMO ONLY: random passwords shown this once; never use demo data in production)\n",
    );
    for c in credentials {
        out.push_str(&format!(
            "  {:<15} {:<26} {}\n",
            c.role, c.email, c.password
        ));
    }
    out
}
