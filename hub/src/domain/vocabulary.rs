//! The registry's closed vocabularies as types: statuses, kinds and roles. Each is stored as the
//! TEXT it always was (so neither backend's schema changes) and read back through `TryFrom`, so a
//! misspelt status is a compile error here and a loud error on read, never a silent mismatch.
//!
//! A leaf: every rank may name these, and nothing here touches the database.

/// Declares a vocabulary: an enum whose variants are written as the given strings in SQL, JSON
/// and OpenAPI, with `as_str`, `ALL`, `FromStr` and the conversions diesel's
/// `deserialize_as`/`serialize_as` use.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] #[schema(rename = $text)] $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// The accepted spellings, for error messages: "a, b or c".
            pub fn spelled() -> String {
                $crate::domain::vocabulary::listed(Self::ALL.iter().map(|v| v.as_str()))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::domain::vocabulary::Unknown;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err($crate::domain::vocabulary::Unknown {
                        vocabulary: stringify!($name),
                        value: other.to_string(),
                    }),
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::domain::vocabulary::Unknown;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.as_str().to_string()
            }
        }
    };
}
pub(crate) use vocabulary;

/// A stored or submitted word that is not in its vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a {vocabulary}")]
pub struct Unknown {
    pub vocabulary: &'static str,
    pub value: String,
}

impl From<Unknown> for crate::error::Error {
    fn from(u: Unknown) -> Self {
        crate::error::Error::Internal(u.to_string())
    }
}

pub fn listed<'a>(words: impl Iterator<Item = &'a str>) -> String {
    let words: Vec<&str> = words.collect();
    match words.split_last() {
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

vocabulary! {
    /// Where an offer is in its workflow (registry.md).
    OfferStatus {
        Draft = "draft",
        PendingReview = "pending_review",
        Published = "published",
        Rejected = "rejected",
        Withdrawn = "withdrawn",
        Archived = "archived",
    }
}

impl OfferStatus {
    /// Once public: the offer's existence is no secret any more, so a stranger's change is
    /// refused as forbidden rather than hidden as not found.
    pub fn was_published(self) -> bool {
        matches!(self, Self::Published | Self::Withdrawn | Self::Archived)
    }

    /// Staff may still edit the offer itself (not a revision of it).
    pub fn is_editable_draft(self) -> bool {
        matches!(self, Self::Draft | Self::Rejected)
    }
}

vocabulary! {
    /// Where a published offer's pending revision is.
    RevisionStatus {
        Draft = "draft",
        PendingReview = "pending_review",
        Rejected = "rejected",
    }
}

vocabulary! {
    /// Where an application is (registry.md, Applications).
    ApplicationStatus {
        /// Made by an employer for an employee who has not agreed yet.
        AwaitingEmployee = "awaiting_employee",
        Pending = "pending",
        Waitlisted = "waitlisted",
        Accepted = "accepted",
        Rejected = "rejected",
        Cancelled = "cancelled",
        Enrolled = "enrolled",
        Completed = "completed",
        Failed = "failed",
    }
}

impl ApplicationStatus {
    /// Statuses that hold one of the offer's places.
    pub const SEATED: [Self; 4] = [
        Self::Accepted,
        Self::Enrolled,
        Self::Completed,
        Self::Failed,
    ];
    /// Statuses that still count as "already applied".
    pub const ACTIVE: [Self; 7] = [
        Self::AwaitingEmployee,
        Self::Pending,
        Self::Waitlisted,
        Self::Accepted,
        Self::Enrolled,
        Self::Completed,
        Self::Failed,
    ];
    /// Applicants still expecting to take part: told when the course changes or reminded of
    /// a deadline.
    pub const CONCERNED: [Self; 5] = [
        Self::AwaitingEmployee,
        Self::Pending,
        Self::Waitlisted,
        Self::Accepted,
        Self::Enrolled,
    ];

    pub fn is_seated(self) -> bool {
        Self::SEATED.contains(&self)
    }

    /// The strings of a set, for `eq_any` in SQL.
    pub fn texts(set: &[Self]) -> Vec<&'static str> {
        set.iter().map(|s| s.as_str()).collect()
    }
}

vocabulary! {
    /// The two kinds of organisation, and so of staff membership.
    OrganisationKind {
        Provider = "provider",
        Employer = "employer",
    }
}

vocabulary! {
    /// An organisation's standing; staff act for it only once it is `confirmed`.
    OrganisationStatus {
        Pending = "pending",
        Confirmed = "confirmed",
        Rejected = "rejected",
    }
}

vocabulary! {
    /// A person's part in an organisation.
    MembershipRole {
        Staff = "staff",
        Admin = "admin",
        /// An employee of an employer, who accepted its invitation: the employer may apply for
        /// them, and they act for nobody.
        Employee = "employee",
        /// Invited as an employee, not yet answered.
        Invited = "invited",
    }
}

impl MembershipRole {
    /// Roles that act for the organisation.
    pub const STAFF: [Self; 2] = [Self::Staff, Self::Admin];

    pub fn is_staff(self) -> bool {
        Self::STAFF.contains(&self)
    }
}

vocabulary! {
    /// Roles a person holds on their own account; staff roles are memberships.
    Role {
        Trainee = "trainee",
        Trainer = "trainer",
        Superadmin = "superadmin",
    }
}

vocabulary! {
    /// What a person registers as (api.md, Accounts): a role of their own, or staff of a new
    /// organisation.
    RegistrationRole {
        Trainee = "trainee",
        Trainer = "trainer",
        Provider = "provider",
        Employer = "employer",
    }
}

vocabulary! {
    /// An account's state.
    AccountStatus {
        Unconfirmed = "unconfirmed",
        Active = "active",
        Locked = "locked",
        Deleted = "deleted",
    }
}

vocabulary! {
    /// What an in-app notification is about. The ones that are also e-mailed share their name
    /// with the outbox event that carries the e-mail (see [`Self::event`]): one name per
    /// happening, which is also the name a person opts out of by e-mail.
    NotificationKind {
        ApplicationStatus = "application.status",
        ApplicationForYou = "application.for_you",
        OfferDecision = "offer.decision",
        AnnouncementMatching = "announcement.matching",
        AnnouncementResponse = "announcement.response",
        DeadlineReminder = "deadline.reminder",
        CourseUpdate = "course.update",
        SecurityAlert = "security.alert",
        TrainerNamed = "trainer.named",
        EmployerInvitation = "employer.invitation",
    }
}

impl NotificationKind {
    /// Kinds a person may choose not to receive by e-mail. Each is carried by the outbox event
    /// of the same name (`events::EventKind`): one name per happening.
    pub const EMAILED: [Self; 5] = [
        Self::ApplicationStatus,
        Self::OfferDecision,
        Self::AnnouncementMatching,
        Self::DeadlineReminder,
        Self::CourseUpdate,
    ];
}

vocabulary! {
    /// What an event or an audit line is about.
    SubjectType {
        User = "user",
        /// An e-mail address with no account behind it (failed sign-ins).
        Email = "email",
        Organisation = "organisation",
        Offer = "offer",
        Application = "application",
        Rating = "rating",
        Announcement = "announcement",
        ApiKey = "api_key",
        OidcClient = "oidc_client",
        IdentityProvider = "identity_provider",
        QdrVersion = "qdr_version",
        /// One event's delivery to one consumer (the outbox).
        Delivery = "delivery",
        /// An issued Open Badge.
        Credential = "credential",
    }
}

vocabulary! {
    /// The two kinds of employer announcement (registry.md, Communication).
    AnnouncementKind {
        TrainingForEmployees = "training_for_employees",
        CompetencyRequest = "competency_request",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_reads_back_as_itself() {
        for s in ApplicationStatus::ALL {
            assert_eq!(s.as_str().parse::<ApplicationStatus>(), Ok(*s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert!("accepted ".parse::<ApplicationStatus>().is_err());
        assert_eq!(
            OfferStatus::spelled(),
            "draft, pending_review, published, rejected, withdrawn or archived"
        );
    }
}
