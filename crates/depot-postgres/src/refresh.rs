//! Refreshing materialized views: on demand (`depot refresh`) and after seeding writes rows
//! into a table they read. Each view is refreshed after the materialized views it reads, and
//! CONCURRENTLY when its unique index allows it (readers are not blocked).

use std::collections::BTreeSet;

use depot_core::physical::{PhysicalModel, PhysicalView};
use depot_deploy::LocationError;
use tokio_postgres::Client;

use crate::dialect::quote_ident;
use crate::render::refresh_sql;

/// The materialized views of `model` to refresh, in an order where each comes after the
/// materialized views it reads: every one (`only` None), or the one named `only` (its logical
/// or physical name). Err when `only` names no materialized view.
pub fn views_to_refresh<'m>(
    model: &'m PhysicalModel,
    only: Option<&str>,
) -> Result<Vec<&'m PhysicalView>, String> {
    let mut wanted: Vec<&PhysicalView> = model
        .views
        .values()
        .filter(|v| v.materialized)
        .filter(|v| only.is_none_or(|n| v.logical == n || v.physical == n))
        .collect();
    if let (Some(name), true) = (only, wanted.is_empty()) {
        let known: Vec<&str> = model
            .views
            .values()
            .filter(|v| v.materialized)
            .map(|v| v.logical.as_str())
            .collect();
        return Err(format!(
            "namespace {} has no materialized view {name}; its materialized views: {}",
            model.namespace,
            if known.is_empty() {
                "(none)".to_string()
            } else {
                known.join(", ")
            }
        ));
    }
    // Readers after what they read; the package has no cycle of views (validated).
    let mut ordered = Vec::with_capacity(wanted.len());
    let mut done: BTreeSet<&str> = BTreeSet::new();
    while !wanted.is_empty() {
        let before = wanted.len();
        let names: BTreeSet<&str> = wanted.iter().map(|v| v.logical.as_str()).collect();
        wanted.retain(|v| {
            let waits = v.reads.keys().any(|r| {
                r != &v.logical && names.contains(r.as_str()) && !done.contains(r.as_str())
            });
            if waits {
                return true;
            }
            ordered.push(*v);
            false
        });
        done.extend(ordered.iter().map(|v| v.logical.as_str()));
        if wanted.len() == before {
            // Unreachable for a validated package; keeps the loop finite.
            ordered.append(&mut wanted);
        }
    }
    Ok(ordered)
}

/// The statement that refreshes `view` of `namespace`.
pub fn refresh_statement(namespace: &str, view: &PhysicalView) -> String {
    let table = format!("{}.{}", quote_ident(namespace), quote_ident(&view.physical));
    refresh_sql(&table, view.refreshes_concurrently())
}

/// The materialized views of `model` that read one of `objects` (logical names), directly or
/// through another materialized or plain view, in refresh order.
pub fn views_reading<'m>(
    model: &'m PhysicalModel,
    objects: &BTreeSet<&str>,
) -> Vec<&'m PhysicalView> {
    let mut touched: BTreeSet<&str> = objects.clone();
    loop {
        let more: Vec<&str> = model
            .views
            .values()
            .filter(|v| !touched.contains(v.logical.as_str()))
            .filter(|v| v.reads.keys().any(|r| touched.contains(r.as_str())))
            .map(|v| v.logical.as_str())
            .collect();
        if more.is_empty() {
            break;
        }
        touched.extend(more);
    }
    views_to_refresh(model, None)
        .unwrap_or_default()
        .into_iter()
        .filter(|v| touched.contains(v.logical.as_str()))
        .collect()
}

/// Refreshes the materialized views of `model` (all, or the one `only` names), one statement
/// each; gives their physical names.
pub async fn refresh_materialized_views(
    client: &Client,
    model: &PhysicalModel,
    only: Option<&str>,
) -> Result<Vec<String>, LocationError> {
    let views = views_to_refresh(model, only).map_err(LocationError::Other)?;
    let mut refreshed = Vec::with_capacity(views.len());
    for view in views {
        let statement = refresh_statement(&model.namespace, view);
        crate::executor::execute_one(client, &statement)
            .await
            .map_err(|e| {
                crate::pg_error::location_error(
                    &format!("refreshing materialized view {}", view.physical),
                    &e,
                )
            })?;
        refreshed.push(view.physical.clone());
    }
    Ok(refreshed)
}
