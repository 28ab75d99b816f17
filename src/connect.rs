//! The Spark Connect server's token (`[connect] authenticate`): derived
//! from the cluster secret rather than kept as a second secret, so it
//! lives wherever the secret lives (the operator's 0600 file, the hosts'
//! 0600 properties file), needs no file of its own, and changes when the
//! secret is rotated. Like the REST key (`rest::filter_key`), it is an
//! HMAC of the secret under a label of its own: knowing the token (which
//! every Connect client holds) reveals nothing about the secret the
//! daemons authenticate each other with.

use crate::secret::Secret;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

/// The property Spark 4's Connect server reads its pre-shared token from.
pub const TOKEN_PROPERTY: &str = "spark.connect.authenticate.token";

/// The bearer token Connect clients present (`sc://host:15002/;token=...`):
/// base64url of HMAC-SHA256(secret, label), one safe word in a
/// properties file and in a connection string.
pub fn token(secret: &Secret) -> String {
    let t = URL_SAFE_NO_PAD.encode(crate::rest::mac(
        secret.expose().as_bytes(),
        b"sparkctl: Spark Connect authentication token, v1",
    ));
    // As secret as the secret: redacted from traces (src/trace.rs).
    crate::trace::register_secret(&t);
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_from_the_secret_and_unlike_the_rest_key() {
        let s = Secret::for_tests("0123456789abcdef0123456789abcdef");
        let t = token(&s);
        assert_eq!(t.len(), 43, "256 bits, base64url without padding");
        assert_eq!(t, token(&s));
        assert_ne!(t, crate::rest::filter_key(&s));
        assert_ne!(
            t,
            token(&Secret::for_tests("fedcba9876543210fedcba9876543210"))
        );
        assert!(!t.contains(s.expose()));
    }
}
