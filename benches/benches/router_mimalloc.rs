//! The router benchmark of `router.rs` with mimalloc as the global allocator.
//!
//! An event is decoded (its strings allocated) on the thread that reads the socket and dropped
//! on the thread that runs its subscriber. glibc's malloc makes such cross-thread frees costly
//! once many subscribers spread over the workers; a multi-threaded allocator, which services
//! in production commonly install, shows what remains of the router's own cost.
//!
//! Run: `cargo bench -p ari-benches --bench router_mimalloc`.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[allow(
    dead_code,
    reason = "the shared file's own `main` is the other benchmark's"
)]
#[path = "router.rs"]
mod router;

fn main() -> anyhow::Result<()> {
    router::report("mimalloc")
}
