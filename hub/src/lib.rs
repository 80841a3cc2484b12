//! The Training Registry Hub as a library: the binary (`main.rs`) is a thin CLI over it, and the
//! black-box tests start it in-process. Start reading at `http::routes`, then `domain`.

pub mod cli;
pub mod config;
pub mod crypto;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod http;
pub mod i18n;
pub mod jobs;
pub mod logging;
pub mod server;

pub use config::Config;
pub use error::Error;
