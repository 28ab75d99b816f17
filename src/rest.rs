//! The masters' REST submission server (port 6066): whether a version may
//! run it, the key that protects it, and the tokens clients present to it.
//!
//! The server accepts `CreateSubmissionRequest`s that make a worker launch
//! any main class: whoever reaches the port runs code as the service user.
//! `spark.authenticate` does not cover it; Spark 4.0+ can put a servlet
//! filter in front of it (`spark.master.rest.filters`), and its
//! `org.apache.spark.ui.JWSFilter` admits only requests that carry
//! `Authorization: Bearer <JWS>` signed (HS256) with a shared key.
//!
//! The key is derived from the cluster's RPC secret (HMAC-SHA256 of a fixed
//! label) rather than generated and kept as a second secret: whoever holds
//! the RPC secret can already run code on the cluster (it is what an
//! application presents to submit in client mode), so a second file to
//! keep, adopt and rotate would narrow nobody's access. It goes only into
//! the masters' 0600 daemon properties file, and is never printed.

use crate::dist::Version;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The servlet filter class Spark 4.0+ ships for signed bearer tokens.
pub const JWS_FILTER: &str = "org.apache.spark.ui.JWSFilter";
/// The property that holds the filter's key (base64url, >= 256 bits).
pub const JWS_KEY_PROPERTY: &str = "spark.org.apache.spark.ui.JWSFilter.param.secretKey";
/// Default `spark.master.rest.port`.
pub const DEFAULT_PORT: u16 = 6066;

const V4_0: Version = Version {
    major: 4,
    minor: 0,
    patch: 0,
};
/// First release whose Master no longer refuses to start with both an RPC
/// secret and the REST server: the `require(secret.isEmpty ||
/// !restServerEnabled)` added in 2.4.0 (SPARK-25088) was removed by
/// SPARK-57451. Read in Spark's source up to 4.0; its message is absent
/// from 4.3.0's Master.class (checked in the lab's jar). No 4.1 or 4.2
/// release was at hand, so they are treated as still having it: a refusal
/// at check time rather than a master that dies at start.
const FIRST_WITHOUT_REQUIRE: Version = Version {
    major: 4,
    minor: 3,
    patch: 0,
};

/// Why `rest = true` cannot be honoured for this Spark version with this
/// authentication setting, or `None` when it can. Without `authenticate`
/// the server runs open, as asked (deploy warns about it).
pub fn refusal(version: Option<Version>, authenticate: bool) -> Option<String> {
    if !authenticate {
        return None;
    }
    match version {
        None => Some(
            "with `authenticate = true` the REST server must be protected, which needs Spark 4.3.0 or newer, and the Spark version cannot be read from the tarball's name".into(),
        ),
        Some(v) if v < V4_0 => Some(format!(
            "Spark {} cannot protect its REST submission server (spark.master.rest.filters needs Spark 4.0), and its master refuses to start with both spark.authenticate and the REST server",
            v
        )),
        Some(v) if v < FIRST_WITHOUT_REQUIRE => Some(format!(
            "Spark {}'s master refuses to start with both spark.authenticate.secret and the REST server (a check removed in Spark 4.3.0)",
            v
        )),
        Some(_) => None,
    }
}

/// The JWSFilter key for a cluster secret: base64url of
/// HMAC-SHA256(secret, label), 256 bits as HS256 requires.
pub fn filter_key(secret: &crate::secret::Secret) -> String {
    let key = URL_SAFE_NO_PAD.encode(mac(
        secret.expose().as_bytes(),
        b"sparkctl: JWSFilter key for the master REST server, v1",
    ));
    // As secret as the secret: redacted from traces (src/trace.rs).
    crate::trace::register_secret(&key);
    key
}

/// A bearer token the masters' JWSFilter accepts: a compact JWS (HS256)
/// whose claims say who made it and when it expires (`exp`, which the
/// filter's parser enforces).
pub fn token(secret: &crate::secret::Secret, now_unix: u64, ttl_secs: u64) -> String {
    let key = URL_SAFE_NO_PAD
        .decode(filter_key(secret))
        .expect("filter_key is base64url");
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = URL_SAFE_NO_PAD.encode(format!(
        r#"{{"sub":"sparkctl","iat":{},"exp":{}}}"#,
        now_unix,
        now_unix + ttl_secs
    ));
    let signing_input = format!("{}.{}", header, claims);
    let sig = URL_SAFE_NO_PAD.encode(mac(&key, signing_input.as_bytes()));
    let token = format!("{}.{}", signing_input, sig);
    crate::trace::register_secret(&token);
    token
}

pub(crate) fn mac(key: &[u8], msg: &[u8]) -> Vec<u8> {
    let mut m = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    m.update(msg);
    m.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Option<Version> {
        Version::find_in(s)
    }

    #[test]
    fn versions_that_can_and_cannot_protect_the_server() {
        assert_eq!(refusal(v("3.5.7"), false), None);
        assert_eq!(refusal(None, false), None);
        assert!(refusal(v("3.5.7"), true)
            .unwrap()
            .contains("Spark 3.5.7 cannot protect"));
        assert!(refusal(v("4.0.1"), true)
            .unwrap()
            .contains("Spark 4.0.1's master refuses to start"));
        assert!(refusal(v("4.2.0"), true).is_some());
        assert_eq!(refusal(v("4.3.0"), true), None);
        assert_eq!(refusal(v("5.0.0"), true), None);
        assert!(refusal(None, true).unwrap().contains("cannot be read"));
    }

    #[test]
    fn the_token_is_a_jws_signed_with_the_derived_key() {
        let s = crate::secret::Secret::for_tests("0123456789abcdef0123456789abcdef");
        let key = filter_key(&s);
        assert_eq!(URL_SAFE_NO_PAD.decode(&key).unwrap().len(), 32);
        // Different secrets, different keys; the key is not the secret.
        let other = crate::secret::Secret::for_tests("fedcba9876543210fedcba9876543210");
        assert_ne!(key, filter_key(&other));
        assert!(!key.contains(s.expose()));

        let t = token(&s, 1_000_000, 3600);
        let parts: Vec<&str> = t.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0], "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9");
        let claims = String::from_utf8(URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(claims, r#"{"sub":"sparkctl","iat":1000000,"exp":1003600}"#);
        let want = mac(
            &URL_SAFE_NO_PAD.decode(&key).unwrap(),
            format!("{}.{}", parts[0], parts[1]).as_bytes(),
        );
        assert_eq!(URL_SAFE_NO_PAD.decode(parts[2]).unwrap(), want);
    }
}
