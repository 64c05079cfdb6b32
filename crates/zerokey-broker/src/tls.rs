//! HTTPS for `zerokey serve --tls-cert FILE --tls-key FILE`: a rustls server configuration read
//! from PEM files (aws-lc-rs, the provider the AWS SDK and sqlx already use), a [`TlsListener`]
//! that hands finished handshakes to `axum::serve`, and [`TlsConfig::reload`] for SIGHUP: new
//! connections get the new pair, a bad new pair is refused and the old one stays.

use axum::serve::Listener;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Semaphore};
use tokio_rustls::server::TlsStream;
use zeroize::Zeroizing;

/// A certificate or key file that cannot be used. Every variant names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// The file cannot be read.
    #[error("{path}: cannot read: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// No PEM `CERTIFICATE` block, or a malformed one.
    #[error("{path}: no PEM certificate (expected -----BEGIN CERTIFICATE-----)")]
    NoCertificate {
        /// The file.
        path: PathBuf,
    },
    /// No PEM private key (PKCS#8, PKCS#1 or SEC1), or a malformed one.
    #[error("{path}: no PEM private key (expected -----BEGIN PRIVATE KEY----- or an RSA/EC key)")]
    NoKey {
        /// The file.
        path: PathBuf,
    },
    /// rustls refused the pair (unsupported key, or the key does not match the certificate).
    #[error("{key}: cannot be used with the certificate in {cert}: {reason}")]
    Rejected {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
        /// rustls's reason.
        reason: String,
    },
}

/// Reads `cert` (PEM chain, leaf first) and `key` (PEM private key) and builds a server
/// configuration offering HTTP/1.1. The key's bytes are zeroed after use.
pub fn load_server_config(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>, TlsError> {
    let cert_pem = std::fs::read(cert).map_err(|source| TlsError::Read {
        path: cert.to_path_buf(),
        source,
    })?;
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|_| TlsError::NoCertificate {
            path: cert.to_path_buf(),
        })?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate {
            path: cert.to_path_buf(),
        });
    }
    let key_pem = Zeroizing::new(std::fs::read(key).map_err(|source| TlsError::Read {
        path: key.to_path_buf(),
        source,
    })?);
    let key_der = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|_| TlsError::NoKey {
        path: key.to_path_buf(),
    })?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_no_client_auth().with_single_cert(chain, key_der))
        .map_err(|e| TlsError::Rejected {
            cert: cert.to_path_buf(),
            key: key.to_path_buf(),
            reason: e.to_string(),
        })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The certificate and key files and the configuration built from them; cheap to clone.
#[derive(Clone)]
pub struct TlsConfig {
    cert: PathBuf,
    key: PathBuf,
    current: Arc<RwLock<Arc<ServerConfig>>>,
}

impl std::fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsConfig")
            .field("cert", &self.cert)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl TlsConfig {
    /// Loads the pair once (an error names the file).
    pub fn load(cert: &Path, key: &Path) -> Result<Self, TlsError> {
        let config = load_server_config(cert, key)?;
        Ok(TlsConfig {
            cert: cert.to_path_buf(),
            key: key.to_path_buf(),
            current: Arc::new(RwLock::new(config)),
        })
    }

    /// Reads the files again; on success new connections use the new pair, on error the
    /// old one stays in use.
    pub fn reload(&self) -> Result<(), TlsError> {
        let config = load_server_config(&self.cert, &self.key)?;
        if let Ok(mut cur) = self.current.write() {
            *cur = config;
        }
        Ok(())
    }

    fn acceptor(&self) -> Option<tokio_rustls::TlsAcceptor> {
        self.current
            .read()
            .ok()
            .map(|c| tokio_rustls::TlsAcceptor::from(c.clone()))
    }

    /// Reloads on every SIGHUP until the process ends (a failed reload is logged and the
    /// old pair kept).
    pub fn reload_on_sighup(&self) -> std::io::Result<tokio::task::JoinHandle<()>> {
        let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
        let this = self.clone();
        Ok(tokio::spawn(async move {
            while hup.recv().await.is_some() {
                let t = this.clone();
                match tokio::task::spawn_blocking(move || t.reload()).await {
                    Ok(Ok(())) => tracing::info!(
                        cert = %this.cert.display(),
                        key = %this.key.display(),
                        "SIGHUP: TLS certificate reloaded"
                    ),
                    Ok(Err(e)) => tracing::error!(
                        error = %e,
                        "SIGHUP: TLS certificate not reloaded; the previous one stays in use"
                    ),
                    Err(e) => tracing::error!(error = %e, "SIGHUP: TLS reload failed"),
                }
            }
        }))
    }
}

/// Longest a client may take to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Handshakes in progress at once; past this, accepting waits.
const MAX_HANDSHAKES: usize = 256;

/// A TCP listener whose connections come out as finished TLS sessions. Handshakes run in
/// their own tasks (bounded in number and time), so a slow client never holds up others.
pub struct TlsListener {
    local: SocketAddr,
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for TlsListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsListener")
            .field("local", &self.local)
            .finish_non_exhaustive()
    }
}

impl TlsListener {
    /// Wraps a bound `listener`; each connection is handshaken with the configuration that is
    /// current when it arrives.
    pub fn new(listener: TcpListener, tls: TlsConfig) -> std::io::Result<Self> {
        let local = listener.local_addr()?;
        let (tx, ready) = mpsc::channel(64);
        let task = tokio::spawn(accept_loop(listener, tls, tx));
        Ok(TlsListener { local, ready, task })
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn accept_loop(
    listener: TcpListener,
    tls: TlsConfig,
    tx: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
) {
    let slots = Arc::new(Semaphore::new(MAX_HANDSHAKES));
    loop {
        let Ok(permit) = slots.clone().acquire_owned().await else {
            return;
        };
        let accepted = tokio::select! {
            () = tx.closed() => return,
            a = listener.accept() => a,
        };
        let (tcp, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Out of file descriptors and the like: wait, as axum's own listener does.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Some(acceptor) = tls.acceptor() else {
            continue;
        };
        let tx = tx.clone();
        tokio::spawn(async move {
            let _permit = permit;
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(stream)) => {
                    let _ = tx.send((stream, peer)).await;
                }
                Ok(Err(e)) => {
                    tracing::debug!(client_addr = %peer.ip(), error = %e, "TLS handshake failed");
                }
                Err(_) => {
                    tracing::debug!(client_addr = %peer.ip(), "TLS handshake timed out");
                }
            }
        });
    }
}

impl Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(conn) => conn,
            // The accept loop ended (it only does once this listener is dropped).
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_and_malformed_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let cert = dir.path().join("cert.pem");
        let key = dir.path().join("key.pem");
        let e = load_server_config(&cert, &key).unwrap_err();
        assert!(matches!(e, TlsError::Read { .. }), "{e}");
        assert!(e.to_string().contains("cert.pem"), "{e}");

        std::fs::write(&cert, "not a certificate\n").unwrap();
        let e = load_server_config(&cert, &key).unwrap_err();
        assert!(matches!(e, TlsError::NoCertificate { .. }), "{e}");
        assert!(e.to_string().contains("cert.pem"), "{e}");
    }
}
