//! A TCP proxy on loopback that counts connections and can go silent, as a cut network does.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// Forwards `127.0.0.1:<port>` to a target; see [`TcpProxy::start`].
#[derive(Debug, Clone)]
pub struct TcpProxy {
    addr: SocketAddr,
    state: Arc<State>,
}

#[derive(Debug, Default)]
struct State {
    connections: AtomicUsize,
    /// Bumped by `cut`: connections opened before it stay silent for good.
    generation: AtomicUsize,
}

impl TcpProxy {
    /// Starts a proxy to `target` on a free loopback port, on the current runtime.
    pub async fn start(target: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State::default());
        let accept_state = state.clone();
        tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                accept_state.connections.fetch_add(1, Ordering::SeqCst);
                let generation = accept_state.generation.load(Ordering::SeqCst);
                tokio::spawn(forward(inbound, target, accept_state.clone(), generation));
            }
        });
        Ok(Self { addr, state })
    }

    /// The proxy's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many TCP connections were accepted so far.
    pub fn connections(&self) -> usize {
        self.state.connections.load(Ordering::SeqCst)
    }

    /// Silences every open connection for good (no FIN, no RST, nothing forwarded); new
    /// connections work normally.
    pub fn cut(&self) {
        self.state.generation.fetch_add(1, Ordering::SeqCst);
    }
}

impl State {
    fn blocked(&self, generation: usize) -> bool {
        self.generation.load(Ordering::SeqCst) != generation
    }
}

async fn forward(inbound: TcpStream, target: SocketAddr, state: Arc<State>, generation: usize) {
    let Ok(outbound) = TcpStream::connect(target).await else {
        return;
    };
    let (mut in_read, mut in_write) = inbound.into_split();
    let (mut out_read, mut out_write) = outbound.into_split();
    let up_state = state.clone();
    tokio::spawn(async move {
        if pump(&mut in_read, &mut out_write, &up_state, generation).await {
            // Keep the halves: dropping them would send the FIN a silent cut must not send.
            std::future::pending::<()>().await;
        }
    });
    if pump(&mut out_read, &mut in_write, &state, generation).await {
        std::future::pending::<()>().await;
    }
}

/// Copies bytes until either side closes (returns false) or the connection is cut (returns
/// true: the caller keeps the sockets open and silent).
async fn pump(
    from: &mut tokio::net::tcp::OwnedReadHalf,
    to: &mut tokio::net::tcp::OwnedWriteHalf,
    state: &State,
    generation: usize,
) -> bool {
    let mut buf = vec![0_u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => {
                // The far side closed for real: pass it on unless cut.
                if state.blocked(generation) {
                    return true;
                }
                let _ = to.shutdown().await;
                return false;
            }
            Ok(n) => n,
        };
        if state.blocked(generation) {
            return true;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return false;
        }
    }
}
