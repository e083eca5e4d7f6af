//! RoundTripCounter: counts the HTTP requests a session sends (login, queries, chunks), so a
//! run can report its round trips.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use http::Extensions;
use reqwest::{Request, Response};
use reqwest_middleware::{Middleware, Next};

/// RoundTripCounter shares one count between the client and whoever reads it.
#[derive(Debug, Clone, Default)]
pub struct RoundTripCounter {
    count: Arc<AtomicUsize>,
}

impl RoundTripCounter {
    /// Requests sent so far.
    pub fn get(&self) -> usize {
        self.count.load(Ordering::Relaxed)
    }
}

#[async_trait::async_trait]
impl Middleware for RoundTripCounter {
    async fn handle(
        &self,
        req: Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<Response> {
        self.count.fetch_add(1, Ordering::Relaxed);
        next.run(req, extensions).await
    }
}
