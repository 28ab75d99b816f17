//! The Spark Connect server's probe: it speaks gRPC, which is HTTP/2, and
//! has no plain-text status page. "Answers" means: after an HTTP/2 client
//! preface, what comes back begins with an HTTP/2 SETTINGS frame on
//! stream 0, which is what every HTTP/2 server sends first (RFC 9113
//! 3.4). A port that accepts a TCP connection but says nothing, or says
//! something else (another daemon on the port), is not the Connect server.
//! Spoken through the same route as every other probe (`route`).

use super::route::{ProbeError, Route};
use crate::inventory::{Cluster, Host};

/// The client preface (RFC 9113 3.4), an empty SETTINGS frame, then a
/// DATA frame on stream 0: a connection error (6.1), so the server sends
/// GOAWAY and closes rather than waiting for requests. The probe reads
/// only the first frame header anyway (`FRAME_HEADER`), so a server that
/// keeps the connection open costs no timeout.
pub const PROBE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\
\x00\x00\x00\x04\x00\x00\x00\x00\x00\
\x00\x00\x00\x00\x00\x00\x00\x00\x00";

/// An HTTP/2 frame header: 3 bytes length, type, flags, 4 bytes stream.
pub const FRAME_HEADER: usize = 9;

/// SETTINGS' frame type.
const SETTINGS: u8 = 0x4;

/// Whether `answer` opens with a SETTINGS frame on stream 0.
pub fn parse_answer(answer: &[u8]) -> Result<(), String> {
    if answer.len() < FRAME_HEADER {
        return Err(format!(
            "answered {} bytes, not an HTTP/2 frame: not a gRPC server",
            answer.len()
        ));
    }
    let stream = u32::from_be_bytes([answer[5], answer[6], answer[7], answer[8]]) & 0x7fff_ffff;
    if answer[3] != SETTINGS || stream != 0 {
        // An HTTP/1 server answers text: show its first line.
        let text = String::from_utf8_lossy(answer);
        return Err(format!(
            "answered `{}`, not HTTP/2 SETTINGS: not a gRPC server",
            text.lines().next().unwrap_or("").escape_debug()
        ));
    }
    Ok(())
}

/// The Connect server on `h`, at `[connect] port`.
pub async fn connect(route: &Route, cluster: &Cluster, h: &Host) -> Result<(), ProbeError> {
    let answer = route
        .exchange_bytes(h, port(cluster), PROBE, Some(FRAME_HEADER))
        .await?;
    parse_answer(&answer).map_err(ProbeError::Unexpected)
}

/// Its port (15002 when the cluster has no `[connect]`: never probed then).
pub fn port(cluster: &Cluster) -> u16 {
    cluster.connect.as_ref().map_or(15002, |t| t.port)
}

/// `sc://address:port`: what `status` shows and clients connect to.
pub fn connect_url(cluster: &Cluster, h: &Host) -> String {
    format!("sc://{}:{}", h.address, port(cluster))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_settings_frame_on_stream_0_is_an_answer() {
        // What grpc-netty sends first: SETTINGS, 18 bytes of payload.
        let settings = b"\x00\x00\x12\x04\x00\x00\x00\x00\x00\x00\x03\x7f\xff\xff\xff";
        assert_eq!(parse_answer(settings), Ok(()));
        // A SETTINGS ACK first would be odd but is still HTTP/2.
        assert_eq!(
            parse_answer(b"\x00\x00\x00\x04\x01\x00\x00\x00\x00"),
            Ok(())
        );
    }

    #[test]
    fn anything_else_is_not_a_grpc_server() {
        let e = parse_answer(b"HTTP/1.1 400 Bad Request\r\n\r\n").unwrap_err();
        assert_eq!(
            e,
            "answered `HTTP/1.1 400 Bad Request`, not HTTP/2 SETTINGS: not a gRPC server"
        );
        let e = parse_answer(b"imok").unwrap_err();
        assert_eq!(
            e,
            "answered 4 bytes, not an HTTP/2 frame: not a gRPC server"
        );
        // A DATA frame on stream 1 is HTTP/2 but not a server's first word.
        assert!(parse_answer(b"\x00\x00\x00\x00\x00\x00\x00\x00\x01").is_err());
    }

    #[test]
    fn the_probe_is_a_preface_then_two_frames() {
        assert!(PROBE.starts_with(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
        assert_eq!(PROBE.len(), 24 + 2 * FRAME_HEADER);
    }
}
