//! Renderers: each reads only the [`Assessment`](crate::Assessment).

pub mod github;
pub mod json;
pub mod markdown;
pub mod sarif;
pub mod text;
