//! The Lambda runtime loop of an entity creator: clients built once per container (cold start),
//! then one [`Supervisor::invoke`] per event.

use std::sync::Arc;

use depot_aws::{AwsClients, ConnectSettings};
use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::value::RawValue;

use crate::engine::Engine;
use crate::entity_creator::EntityCreator;
use crate::invocation::{now_ms, Invocation, Supervisor};
use crate::logging;

/// Runs the entity creator for `engine` until the runtime stops it.
pub async fn run(engine: Box<dyn Engine>) -> Result<(), lambda_runtime::Error> {
    logging::init();
    let clients = AwsClients::from_env().await?;
    let s3 = clients.s3.clone();
    let creator = EntityCreator::new(engine, clients, ConnectSettings::from_env());
    let supervisor = Arc::new(Supervisor::new(creator, s3));
    // The event as text: a key given twice in it must be refused, and a `Value` keeps only
    // the last of the repeats.
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Box<RawValue>>| {
        let supervisor = Arc::clone(&supervisor);
        async move {
            let invocation = Invocation {
                deadline_ms: absolute_deadline(event.context.deadline, now_ms()),
                log_stream: event.context.env_config.log_stream.clone(),
                invocation_id: event.context.request_id.clone(),
            };
            supervisor
                .invoke_text(event.payload.get(), &invocation)
                .await
                .map_err(lambda_runtime::Error::from)
        }
    }))
    .await
}

/// Lambda sends the deadline as ms since the epoch; `cargo lambda watch` sends the timeout's
/// length instead (600000). A value too small to be a date this century is taken as ms from now.
fn absolute_deadline(deadline: u64, now_ms: u64) -> u64 {
    const YEAR_2001_MS: u64 = 978_307_200_000;
    if deadline < YEAR_2001_MS {
        now_ms + deadline
    } else {
        deadline
    }
}

#[cfg(test)]
mod tests {
    use super::absolute_deadline;

    #[test]
    fn deadlines_are_epoch_ms_or_a_length_from_now() {
        let now = 1_795_387_816_491;
        assert_eq!(absolute_deadline(now + 900_000, now), now + 900_000);
        assert_eq!(absolute_deadline(600_000, now), now + 600_000);
    }
}
