//! RequestLedger: the answers already given, by CloudFormation RequestId, so that a redelivered
//! request gets the same answer with no second plan, migration or event.
//!
//! Lambda may deliver one asynchronous invocation twice (at-least-once), and CloudFormation
//! itself re-sends a request it got no answer to. The ledger lives beside the environment's
//! documents in the bootstrap bucket: `sdp-<env>/requests/<RequestId>.json`.
//!
//! A delivery first claims the request with a conditional create (`If-None-Match: *`); only the
//! claimant works. A second delivery that finds a claim waits for the answer; if the claimant
//! died (its claim's deadline passed with no answer), it takes the request over.

use std::time::Duration;

use aws_sdk_s3::primitives::ByteStream;
use serde::{Deserialize, Serialize};

use crate::answer::Answer;

/// Entry is one request's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub request_id: String,
    /// Until when (ms since the epoch) the claimant may still answer: its Lambda deadline.
    pub claimed_until_ms: u64,
    pub answer: Option<Answer>,
}

/// Claim is what a delivery may do with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This delivery owns the request: do the work, then [`RequestLedger::record`].
    Owned,
    /// The request was answered already: send this answer again.
    Answered(Answer),
    /// Another delivery is working on it and its deadline has not passed.
    InProgress { until_ms: u64 },
}

/// RequestLedger reads and writes the ledger in one bucket.
#[derive(Debug, Clone)]
pub struct RequestLedger {
    client: aws_sdk_s3::Client,
}

impl RequestLedger {
    pub fn new(client: aws_sdk_s3::Client) -> RequestLedger {
        RequestLedger { client }
    }

    pub fn key(environment_id: &str, request_id: &str) -> String {
        format!(
            "sdp-{environment_id}/requests/{}.json",
            sanitize(request_id)
        )
    }

    /// Claims `key` for a delivery that may answer until `deadline_ms`.
    pub async fn claim(
        &self,
        bucket: &str,
        key: &str,
        request_id: &str,
        deadline_ms: u64,
        now_ms: u64,
    ) -> Result<Claim, String> {
        let entry = Entry {
            request_id: request_id.to_string(),
            claimed_until_ms: deadline_ms,
            answer: None,
        };
        if self.create(bucket, key, &entry).await? {
            return Ok(Claim::Owned);
        }
        let existing = self.read(bucket, key).await?;
        match existing {
            Some(Entry {
                answer: Some(answer),
                ..
            }) => Ok(Claim::Answered(answer)),
            Some(Entry {
                claimed_until_ms, ..
            }) if claimed_until_ms > now_ms => Ok(Claim::InProgress {
                until_ms: claimed_until_ms,
            }),
            // The claimant died without answering (or the entry vanished): take it over.
            _ => {
                self.write(bucket, key, &entry).await?;
                Ok(Claim::Owned)
            }
        }
    }

    /// Records the answer given to the request.
    pub async fn record(
        &self,
        bucket: &str,
        key: &str,
        request_id: &str,
        answer: &Answer,
    ) -> Result<(), String> {
        let entry = Entry {
            request_id: request_id.to_string(),
            claimed_until_ms: 0,
            answer: Some(answer.clone()),
        };
        self.write(bucket, key, &entry).await
    }

    /// Polls until the request is answered or `until_ms` passes.
    pub async fn wait_for_answer(
        &self,
        bucket: &str,
        key: &str,
        until_ms: u64,
        now: impl Fn() -> u64,
    ) -> Result<Option<Answer>, String> {
        loop {
            if let Some(Entry {
                answer: Some(answer),
                ..
            }) = self.read(bucket, key).await?
            {
                return Ok(Some(answer));
            }
            if now() >= until_ms {
                return Ok(None);
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    pub async fn read(&self, bucket: &str, key: &str) -> Result<Option<Entry>, String> {
        let output = match self
            .client
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
        {
            Ok(o) => o,
            Err(e) => {
                let not_found = e.as_service_error().is_some_and(|s| s.is_no_such_key());
                return if not_found {
                    Ok(None)
                } else {
                    Err(format!(
                        "reading s3://{bucket}/{key}: {}",
                        aws_sdk_s3::error::DisplayErrorContext(&e)
                    ))
                };
            }
        };
        let bytes = output
            .body
            .collect()
            .await
            .map_err(|e| format!("reading s3://{bucket}/{key}: {e}"))?
            .into_bytes();
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| format!("s3://{bucket}/{key} is not a request record: {e}"))
    }

    /// Creates the entry unless one exists; false when one does.
    async fn create(&self, bucket: &str, key: &str, entry: &Entry) -> Result<bool, String> {
        let body = serde_json::to_vec(entry).expect("an entry serializes");
        let result = self
            .client
            .put_object()
            .bucket(bucket)
            .key(key)
            .if_none_match("*")
            .content_type("application/json")
            .body(ByteStream::from(body))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) => {
                let status = e.raw_response().map(|r| r.status().as_u16());
                // 412: it exists. 409: a concurrent conditional write won the race.
                if matches!(status, Some(412) | Some(409)) {
                    Ok(false)
                } else {
                    Err(format!(
                        "claiming request record s3://{bucket}/{key}: {}",
                        aws_sdk_s3::error::DisplayErrorContext(&e)
                    ))
                }
            }
        }
    }

    async fn write(&self, bucket: &str, key: &str, entry: &Entry) -> Result<(), String> {
        let body = serde_json::to_vec(entry).expect("an entry serializes");
        self.client
            .put_object()
            .bucket(bucket)
            .key(key)
            .content_type("application/json")
            .body(ByteStream::from(body))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                format!(
                    "writing request record s3://{bucket}/{key}: {}",
                    aws_sdk_s3::error::DisplayErrorContext(&e)
                )
            })
    }
}

/// RequestIds are UUIDs; anything else is made safe for a key.
fn sanitize(request_id: &str) -> String {
    request_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
