//! A private CA and a server certificate for the instance's HTTPS/WSS listener.

use std::path::Path;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};

use crate::error::{IoContext as _, Result};

/// File names in the instance's `keys/` directory.
pub(crate) const CA_FILE: &str = "ca.crt";
pub(crate) const CERT_FILE: &str = "sandbox.crt";
pub(crate) const KEY_FILE: &str = "sandbox.key";

/// Writes a CA and a certificate for `localhost` and `127.0.0.1` signed by it, unless present.
pub(crate) fn ensure_certificates(keys_dir: &Path) -> Result<()> {
    if [CA_FILE, CERT_FILE, KEY_FILE]
        .iter()
        .all(|f| keys_dir.join(f).is_file())
    {
        return Ok(());
    }
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "ari-sandbox local CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate()?;
    let ca_cert = ca_params.self_signed(&ca_key)?;
    let issuer = Issuer::new(ca_params, ca_key);

    let mut leaf = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])?;
    leaf.distinguished_name
        .push(DnType::CommonName, "ari-sandbox");
    let leaf_key = KeyPair::generate()?;
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer)?;

    std::fs::create_dir_all(keys_dir)
        .context(|| format!("cannot create {}", keys_dir.display()))?;
    let write = |name: &str, text: String| {
        let path = keys_dir.join(name);
        std::fs::write(&path, text).context(|| format!("cannot write {}", path.display()))
    };
    write(CA_FILE, ca_cert.pem())?;
    write(CERT_FILE, leaf_cert.pem())?;
    write(KEY_FILE, leaf_key.serialize_pem())?;
    crate::root::set_mode(&keys_dir.join(KEY_FILE), 0o600)?;
    Ok(())
}
