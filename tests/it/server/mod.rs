//! The running server: its handle, routing, call and cast, supervision, start-up and
//! send failures.

mod call_cast;
mod deferred;
mod deferred_token;
mod destination;
mod dora;
mod handle;
mod harness_order;
mod malformed;
mod observe;
mod reply_boxes;
mod send_failure;
mod startup;
mod stop_accounting;
mod supervision;
mod terminate;
mod tick;
