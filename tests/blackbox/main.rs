//! The black-box suite: a real hub (in-process on a random port, or the `hub` binary) on a real
//! database of each backend, driven over HTTP. See `support` for how databases are made.

mod applications;
mod badges;
mod chamilo;
mod foundation;
mod house;
mod identity;
mod linked_data;
mod offers;
mod oidc;
mod outbox;
mod probe;
mod process;
mod qdr;
mod reminders;
mod search;
mod smtp;
mod support;
