//! Open Badges (open-badges.md): badges providers define on their offers (`definitions`), the
//! providers' signing keys (`keys`), credentials issued when a completion meets a badge's rule
//! (`issuing`), and what is done with them afterwards: holding, revocation, the status list
//! (`held`). Building and signing the credential itself is `rdf::credentials`, fed plain input.

pub mod definitions;
pub mod held;
pub mod issuing;
pub mod keys;

pub use definitions::{BadgeInput, BadgeRule, BadgeView, SkillRef};
pub use held::{CredentialView, Publication};

/// Where a credential's parts live on the hub: every URL inside a credential is one of these, so
/// that anyone holding it can follow them.
#[derive(Debug, Clone)]
pub struct Urls {
    pub base: url::Url,
}

impl Urls {
    pub fn new(base: &url::Url) -> Self {
        Self { base: base.clone() }
    }

    fn at(&self, path: &str) -> String {
        self.base.join(path).map(String::from).unwrap_or_default()
    }

    /// The issuer's profile, listing its keys (the `controller` of each).
    pub fn issuer(&self, organisation: &str) -> String {
        self.at(&format!("issuers/{organisation}"))
    }

    /// A key of the issuer: its Multikey is the fragment, so a verifier that knows the form
    /// needs no fetch, and one that does finds it in the profile.
    pub fn key(&self, organisation: &str, multikey: &str) -> String {
        format!("{}#{multikey}", self.issuer(organisation))
    }

    pub fn status_list(&self, organisation: &str) -> String {
        self.at(&format!("status/{organisation}"))
    }

    pub fn credential(&self, id: &str) -> String {
        self.at(&format!("api/badges/{id}"))
    }

    pub fn achievement(&self, offer: &str, badge: &str) -> String {
        self.at(&format!("api/offers/{offer}/badges/{badge}"))
    }

    pub fn image(&self, offer: &str, badge: &str) -> String {
        self.at(&format!("api/offers/{offer}/badges/{badge}/image.png"))
    }

    /// The badge's public page, the one to share.
    pub fn share(&self, id: &str) -> String {
        self.at(&format!("badges/{id}"))
    }

    pub fn evidence(&self, application: &str) -> String {
        self.at(&format!("api/applications/{application}"))
    }
}
