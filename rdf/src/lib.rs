//! Linked data for the hub: offers as ELM `LearningOpportunity` graphs, LOQ XML for Europass QDR,
//! the in-memory RDF store and its SPARQL endpoint, and verifiable credentials (Open Badges 3.0).
//!
//! This crate never imports `hub`: it takes its own plain input types (DESIGN.md).

pub mod credentials;
pub mod elm;
pub mod loq;
pub mod vocab;
