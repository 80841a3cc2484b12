//! Training offers, by concept: what an offer is (`types`), the rows it is stored in (`rows`),
//! reading (`queries`), writing (`writes`), what a provider sends (`input`), and the approval
//! workflow (`workflow`). Only `published` offers are public (registry.md); every write tells of
//! itself through `events::record` in the same transaction.
//!
//! The offer's derived facts (places taken, trainers, ratings) belong to concepts of a higher
//! rank; `domain::catalogue` composes them into the view the catalogue shows.

pub mod input;
pub mod queries;
pub mod rows;
pub mod types;
pub mod workflow;
pub mod writes;

pub use queries::{
    count_all, get, provider_and_status, published_batch, published_in_order, title_in,
};
pub use types::*;
pub use writes::{create, publish, NewOffer};
