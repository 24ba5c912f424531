//! TLS for `tcp://` engines (rustls with its `ring` provider), as the docker CLI sets it up:
//! the server verified against one CA file (`ca.pem`) unless verification is off
//! (`--tls` or `DOCKER_TLS` without `DOCKER_TLS_VERIFY`, a context's `SkipTLSVerify`), and a
//! client certificate (`cert.pem` + `key.pem`) when both files are there. Only `audit` gets
//! here: nothing of this runs for `check`.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    ClientConfig, ClientConnection, DigitallySignedStruct, RootCertStore, SignatureScheme,
    StreamOwned,
};

/// How to speak TLS to one engine: the files, whether the server is verified, and the name
/// its certificate must carry (the host of `DOCKER_HOST` or of the context's endpoint).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    /// Checked against the server certificate's subjectAltName (DNS name or IP address).
    pub server_name: String,
    /// Verify the server against `ca` (`DOCKER_TLS_VERIFY`, `--tlsverify`, a context
    /// without `SkipTLSVerify`); when false the server's certificate is not checked.
    pub verify: bool,
    /// `ca.pem`: the only trusted root when `verify` (no system roots).
    pub ca: PathBuf,
    /// `cert.pem` and `key.pem`: the client certificate, used when both exist; one without
    /// the other is an error.
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl TlsSettings {
    /// The files of one folder (`DOCKER_CERT_PATH`, or a context's `tls/<digest>/docker`).
    pub fn in_folder(dir: &Path, server_name: String, verify: bool) -> TlsSettings {
        TlsSettings {
            server_name,
            verify,
            ca: dir.join("ca.pem"),
            cert: dir.join("cert.pem"),
            key: dir.join("key.pem"),
        }
    }
}

/// The host part of `host:port` or `[v6]:port`: the name the server is verified against.
pub fn server_name_of(addr: &str) -> String {
    if let Some(rest) = addr.strip_prefix('[') {
        return rest.split(']').next().unwrap_or_default().to_string();
    }
    match addr.rsplit_once(':') {
        Some((host, _)) => host.to_string(),
        None => addr.to_string(),
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let bad = |e: &dyn std::fmt::Display| format!("file:{}: {e}", path.display());
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| bad(&pem_error(e)))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(&pem_error(e)))?;
    if certs.is_empty() {
        return Err(bad(&"no PEM CERTIFICATE in it"));
    }
    Ok(certs)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, String> {
    PrivateKeyDer::from_pem_file(path)
        .map_err(|e| format!("file:{}: {}", path.display(), pem_error(e)))
}

fn pem_error(e: rustls::pki_types::pem::Error) -> String {
    use rustls::pki_types::pem::Error;
    match e {
        Error::Io(io) => io.to_string(),
        Error::NoItemsFound => "no PEM private key in it (RSA, EC or PKCS#8)".into(),
        other => format!("not valid PEM ({other:?})"),
    }
}

/// The client configuration of `settings`, its files read and checked.
pub fn client_config(settings: &TlsSettings) -> Result<ClientConfig, String> {
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let builder = if settings.verify {
        let mut roots = RootCertStore::empty();
        for cert in read_certs(&settings.ca)? {
            roots.add(cert).map_err(|e| {
                format!(
                    "file:{}: not a usable CA certificate: {e}",
                    settings.ca.display()
                )
            })?;
        }
        builder.with_root_certificates(roots)
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoServerCheck(provider)))
    };
    let (has_cert, has_key) = (settings.cert.exists(), settings.key.exists());
    match (has_cert, has_key) {
        (false, false) => Ok(builder.with_no_client_auth()),
        (true, true) => {
            let certs = read_certs(&settings.cert)?;
            let key = read_key(&settings.key)?;
            builder.with_client_auth_cert(certs, key).map_err(|e| {
                format!(
                    "file:{}: the client key does not fit {}: {e}",
                    settings.key.display(),
                    settings.cert.display()
                )
            })
        }
        (true, false) => Err(format!(
            "file:{}: missing: {} is there, and a client certificate needs both",
            settings.key.display(),
            settings.cert.display()
        )),
        (false, true) => Err(format!(
            "file:{}: missing: {} is there, and a client certificate needs both",
            settings.cert.display(),
            settings.key.display()
        )),
    }
}

/// Connects to `addr` and completes the TLS handshake.
pub fn connect(
    addr: &str,
    settings: &TlsSettings,
    timeout: Duration,
) -> Result<StreamOwned<ClientConnection, TcpStream>, String> {
    let config = client_config(settings)?;
    let name = ServerName::try_from(settings.server_name.clone())
        .map_err(|e| format!("{:?} is not a server name: {e}", settings.server_name))?;
    let mut conn = ClientConnection::new(Arc::new(config), name).map_err(|e| e.to_string())?;
    let mut tcp = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    tcp.set_read_timeout(Some(timeout)).ok();
    tcp.set_write_timeout(Some(timeout)).ok();
    while conn.is_handshaking() {
        conn.complete_io(&mut tcp)
            .map_err(|e| format!("TLS handshake with {}: {e}", settings.server_name))?;
    }
    Ok(StreamOwned::new(conn, tcp))
}

/// `--tls` without verification (Go's `InsecureSkipVerify`): any server certificate is
/// taken, but the handshake's signatures are still checked with it.
#[derive(Debug)]
struct NoServerCheck(Arc<CryptoProvider>);

impl ServerCertVerifier for NoServerCheck {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
