//! Clients of systems the hub does not own: Chamilo (REST v2 and SOAP), Europass QDR, mail (SMTP),
//! upstream OpenID Providers.
//!
//! Nothing here knows the hub's domain: each adapter takes its own plain input types and the hub
//! maps onto them (DESIGN.md: `hub -> adapters`, never the other way).

pub mod chamilo;
pub mod mail;
pub mod qdr;
pub mod upstream_oidc;
