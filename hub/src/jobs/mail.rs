//! The mail consumer: turns events into e-mails in the recipient's language and sends them
//! through `HUB_MAIL_URL`. Links' tokens travel sealed in the event payload (only this consumer,
//! holding the master key, can read them) and are never logged. An event whose payload says
//! `send_email: false` (the person opted out) is delivered without sending anything.

use futures_util::future::BoxFuture;
use serde::Deserialize;

use super::Consumer;
use crate::crypto::Sealer;
use crate::db::outbox::Delivery;
use crate::domain::events::EventKind;
use crate::domain::offers::workflow::CourseChange;
use crate::domain::reminders::Reason;
use crate::i18n::t;

/// The events that become e-mails.
pub const KINDS: &[EventKind] = &[
    EventKind::AccountRegistered,
    EventKind::AccountPasswordResetRequested,
    EventKind::SecurityAlert,
    EventKind::ApplicationStatus,
    EventKind::OfferDecision,
    EventKind::DeadlineReminder,
    EventKind::CourseUpdate,
    EventKind::AnnouncementMatching,
];

pub struct Mail {
    mailer: adapters::mail::Mailer,
    sealer: Sealer,
    origin: String,
}

#[derive(Deserialize)]
struct Payload {
    to: String,
    name: String,
    language: String,
    token_sealed: Option<String>,
    /// For security alerts: whose account, and from how many addresses.
    email: Option<String>,
    count: Option<usize>,
    /// For application changes: the offer's title, the new status, the reason.
    offer: Option<String>,
    status: Option<String>,
    reason: Option<String>,
    send_email: Option<bool>,
    /// For deadline reminders: the date, and how many applications wait for a decision.
    deadline: Option<String>,
    waiting: Option<i64>,
    /// For course updates: `updated` or `withdrawn`.
    change: Option<String>,
    /// For matching announcements: its title and industry.
    announcement: Option<String>,
    industry: Option<String>,
}

impl Mail {
    pub fn new(
        config: &crate::config::Config,
        sealer: Sealer,
    ) -> Result<Self, crate::error::Error> {
        let transport = adapters::mail::Transport::from_url(&config.mail_url)
            .map_err(|e| crate::error::Error::Internal(format!("HUB_MAIL_URL: {e}")))?;
        let mailer = adapters::mail::Mailer::new(&transport, &config.mail_from)
            .map_err(|e| crate::error::Error::Internal(format!("mail: {e}")))?;
        Ok(Self {
            mailer,
            sealer,
            origin: config.origin().to_string(),
        })
    }

    /// The message for a delivery, or `None` when the person asked for no such e-mail.
    fn compose(&self, delivery: &Delivery) -> Result<Option<adapters::mail::Message>, String> {
        let p: Payload =
            serde_json::from_str(&delivery.event.payload).map_err(|e| e.to_string())?;
        if p.send_email == Some(false) {
            return Ok(None);
        }
        let link = |path: &str| -> Result<String, String> {
            let sealed = p.token_sealed.as_deref().ok_or("no token in the event")?;
            let token = self.sealer.open(sealed).map_err(|e| e.to_string())?;
            let token = String::from_utf8(token).map_err(|e| e.to_string())?;
            Ok(format!("{}{path}?token={token}", self.origin))
        };
        let lang = p.language.as_str();
        let kind: EventKind = delivery.event.kind.parse().map_err(|e| format!("{e}"))?;
        let (subject, text) = match kind {
            EventKind::AccountRegistered => {
                let link = link("/confirm")?;
                (
                    t(lang, "mail-confirm-subject", &[]),
                    t(
                        lang,
                        "mail-confirm-body",
                        &[("name", &p.name), ("link", &link)],
                    ),
                )
            }
            EventKind::AccountPasswordResetRequested => {
                let link = link("/reset-password")?;
                (
                    t(lang, "mail-reset-subject", &[]),
                    t(
                        lang,
                        "mail-reset-body",
                        &[("name", &p.name), ("link", &link)],
                    ),
                )
            }
            EventKind::SecurityAlert => {
                let count = p.count.unwrap_or_default().to_string();
                let email = p.email.clone().unwrap_or_default();
                (
                    t(lang, "mail-alert-subject", &[]),
                    t(
                        lang,
                        "mail-alert-body",
                        &[("email", &email), ("count", &count)],
                    ),
                )
            }
            EventKind::ApplicationStatus => {
                let offer = p.offer.clone().unwrap_or_default();
                let status = t(
                    lang,
                    &format!(
                        "application-status-{}",
                        p.status.as_deref().unwrap_or_default()
                    ),
                    &[],
                );
                let reason = p.reason.clone().unwrap_or_default();
                let args = [
                    ("name", p.name.as_str()),
                    ("offer", &offer),
                    ("status", &status),
                    ("reason", &reason),
                ];
                (
                    t(lang, "mail-application-subject", &[("offer", &offer)]),
                    t(lang, "mail-application-body", &args),
                )
            }
            EventKind::OfferDecision => {
                let offer = p.offer.clone().unwrap_or_default();
                let decision = t(
                    lang,
                    &format!("decision-{}", p.status.as_deref().unwrap_or_default()),
                    &[],
                );
                let reason = p.reason.clone().unwrap_or_default();
                let args = [
                    ("name", p.name.as_str()),
                    ("offer", &offer),
                    ("decision", &decision),
                    ("reason", &reason),
                ];
                (
                    t(lang, "mail-decision-subject", &[("offer", &offer)]),
                    t(lang, "mail-decision-body", &args),
                )
            }
            EventKind::DeadlineReminder => {
                let offer = p.offer.clone().unwrap_or_default();
                let deadline = p.deadline.clone().unwrap_or_default();
                let waiting = p.waiting.unwrap_or_default().to_string();
                let args = [
                    ("name", p.name.as_str()),
                    ("offer", &offer),
                    ("deadline", &deadline),
                    ("waiting", &waiting),
                ];
                let reason = p.reason.as_deref().map(str::parse::<Reason>).transpose();
                let body = match reason.map_err(|e| e.to_string())? {
                    Some(Reason::ProviderToDecide) => "mail-deadline-body-provider",
                    _ => "mail-deadline-body-employee",
                };
                (
                    t(lang, "mail-deadline-subject", &args),
                    t(lang, body, &args),
                )
            }
            EventKind::CourseUpdate => {
                let offer = p.offer.clone().unwrap_or_default();
                let change = p
                    .change
                    .as_deref()
                    .map(str::parse::<CourseChange>)
                    .transpose();
                let body = match change.map_err(|e| e.to_string())? {
                    Some(CourseChange::Withdrawn) => "mail-course-withdrawn-body",
                    _ => "mail-course-updated-body",
                };
                let args = [("name", p.name.as_str()), ("offer", &offer)];
                (t(lang, "mail-course-subject", &args), t(lang, body, &args))
            }
            EventKind::AnnouncementMatching => {
                let title = p.announcement.clone().unwrap_or_default();
                let industry = p.industry.clone().unwrap_or_default();
                let args = [
                    ("name", p.name.as_str()),
                    ("title", &title),
                    ("industry", &industry),
                ];
                (
                    t(lang, "mail-announcement-subject", &args),
                    t(lang, "mail-announcement-body", &args),
                )
            }
            other => return Err(format!("no e-mail for {other}")),
        };
        Ok(Some(adapters::mail::Message {
            to: p.to,
            subject,
            text,
            message_id: delivery.idempotency_key(),
        }))
    }
}

impl Consumer for Mail {
    fn name(&self) -> &'static str {
        "mail"
    }

    fn kinds(&self) -> &'static [EventKind] {
        KINDS
    }

    fn deliver<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            match self.compose(delivery)? {
                Some(message) => self.mailer.send(&message).await.map_err(|e| e.to_string()),
                None => Ok(()),
            }
        })
    }
}
