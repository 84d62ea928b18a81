//! Renderers: each reads only the [`Assessment`](crate::Assessment).

pub mod json;
pub mod markdown;
pub mod text;
