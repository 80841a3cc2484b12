//! The registry's rules, one module per concept. Nothing here knows about HTTP: functions take a
//! database connection and plain values and return the hub's [`crate::error::Error`].

pub mod accounts;
pub mod announcements;
pub mod api_keys;
pub mod applications;
pub mod audit;
pub mod money;
pub mod notifications;
pub mod offers;
pub mod oidc;
pub mod organisations;
pub mod ratings;
pub mod reminders;
pub mod sessions;
pub mod signin;
pub mod trainers;
pub mod upstream;
