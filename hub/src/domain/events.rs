//! What happens in the registry, by name, and the one way a state change is told: [`record`]
//! appends the outbox event and, for security-relevant kinds, the audit line, inside the
//! transaction of the change. Producers (the domain) and consumers (mail, the search projection,
//! and the Chamilo, QDR and badge consumers to come) name kinds through [`EventKind`], so a typo
//! cannot silently stop an e-mail.
//!
//! Just above the audit log: it knows the outbox and the audit log, nothing of any concept.

use super::audit::{self, Actor};
use super::vocabulary::{vocabulary, SubjectType};
use crate::db::outbox;
use crate::db::DbConnection;
use crate::error::Error;

vocabulary! {
    /// Every kind of event the registry appends to the outbox. The e-mailed notices share
    /// their name with their [`super::vocabulary::NotificationKind`].
    EventKind {
        AccountCreated = "account.created",
        AccountRegistered = "account.registered",
        AccountConfirmed = "account.confirmed",
        AccountPasswordResetRequested = "account.password_reset_requested",
        AccountPasswordReset = "account.password_reset",
        AccountErased = "account.erased",
        /// Something others keep of the person changed (roles: Chamilo's status follows).
        AccountUpdated = "account.updated",
        SecurityAlert = "security.alert",
        OrganisationCreated = "organisation.created",
        OrganisationConfirmed = "organisation.confirmed",
        OrganisationRejected = "organisation.rejected",
        OfferCreated = "offer.created",
        OfferUpdated = "offer.updated",
        OfferRevised = "offer.revised",
        OfferSubmitted = "offer.submitted",
        OfferPublished = "offer.published",
        OfferRejected = "offer.rejected",
        OfferWithdrawn = "offer.withdrawn",
        OfferArchived = "offer.archived",
        /// A superadmin's decision, told to each of the provider's staff.
        OfferDecision = "offer.decision",
        OfferTrainerNamed = "offer.trainer_named",
        OfferTrainerAnswered = "offer.trainer_answered",
        ApplicationCreated = "application.created",
        /// An application moved; told to its participant.
        ApplicationStatus = "application.status",
        RatingCreated = "rating.created",
        RatingHidden = "rating.hidden",
        AnnouncementCreated = "announcement.created",
        AnnouncementMatching = "announcement.matching",
        AnnouncementClosed = "announcement.closed",
        AnnouncementAnswered = "announcement.answered",
        DeadlineReminder = "deadline.reminder",
        CourseUpdate = "course.update",
        /// The offer's Chamilo course was made; its code is on the offer.
        OfferCourse = "offer.course",
        /// A new version of the QDR dataset, to be pushed.
        QdrVersion = "qdr.version",
        /// A superadmin asked for a version to be pushed again.
        QdrPush = "qdr.push",
    }
}

impl EventKind {
    /// Security-relevant changes (DESIGN.md, Conventions) also get an audit line of the same
    /// name, written by [`record`] with the event.
    pub fn audited(self) -> bool {
        use EventKind as E;
        matches!(
            self,
            E::AccountPasswordReset
                | E::AccountErased
                | E::OrganisationConfirmed
                | E::OrganisationRejected
                | E::OfferCreated
                | E::OfferUpdated
                | E::OfferRevised
                | E::OfferSubmitted
                | E::OfferPublished
                | E::OfferRejected
                | E::OfferWithdrawn
                | E::RatingHidden
                | E::QdrPush
        )
    }
}

/// An event to append: what happened, to what, with a JSON payload.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub kind: EventKind,
    pub subject_type: SubjectType,
    pub subject_id: String,
    pub payload: serde_json::Value,
}

impl NewEvent {
    pub fn new(
        kind: EventKind,
        subject_type: SubjectType,
        subject_id: impl Into<String>,
        payload: serde_json::Value,
    ) -> Self {
        Self {
            kind,
            subject_type,
            subject_id: subject_id.into(),
            payload,
        }
    }
}

/// Tells of a change, in its transaction: the outbox event, and the audit line when the kind is
/// [`EventKind::audited`]. Returns the event's id.
pub fn record(conn: &mut DbConnection, actor: &Actor, event: NewEvent) -> Result<i64, Error> {
    if event.kind.audited() {
        audit::write(
            conn,
            actor,
            event.kind.as_str(),
            event.subject_type,
            Some(&event.subject_id),
            event.payload.clone(),
        )?;
    }
    outbox::append(
        conn,
        outbox::NewEvent {
            kind: event.kind.as_str(),
            subject_type: event.subject_type.as_str(),
            subject_id: event.subject_id,
            actor_id: actor.user_id.clone(),
            payload: event.payload,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::vocabulary::NotificationKind;

    #[test]
    fn an_emailed_notice_and_its_event_have_one_name() {
        for kind in NotificationKind::EMAILED {
            let event: EventKind = kind.as_str().parse().unwrap();
            assert_eq!(event.as_str(), kind.as_str());
        }
    }
}
