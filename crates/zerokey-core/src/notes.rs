//! Safe extra facts about a secret, shown next to the finding (never the secret itself).

/// A note for a finding of `rule_id` on `secret`, e.g. the AWS account an access key id
/// belongs to.
pub fn note_for(rule_id: &str, secret: &[u8]) -> Option<String> {
    match rule_id {
        "aws-access-key-id" => aws_account_id(secret).map(|a| format!("aws account {a:012}")),
        _ => None,
    }
}

/// The AWS account id encoded in an access key id (keys issued since 2019; older ids, whose
/// fifth character is `I` or `J`, carry none).
pub fn aws_account_id(key_id: &[u8]) -> Option<u64> {
    if key_id.len() != 20 || matches!(key_id.get(4), Some(b'I' | b'J')) {
        return None;
    }
    let mut bits: u128 = 0;
    for &c in &key_id[4..] {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => return None,
        };
        bits = (bits << 5) | u128::from(v);
    }
    // 16 chars * 5 bits = 80 bits; the account id sits in bits 7..46 of the first 48.
    let first48 = (bits >> 32) as u64;
    Some((first48 & 0x7fff_ffff_ff80) >> 7)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_account_from_key_id() {
        // Published example (key id of a temporary credential and its account).
        assert_eq!(
            aws_account_id(b"ASIAY34FZKBOKMUTVV7A"),
            Some(609_629_065_308)
        );
        assert_eq!(aws_account_id(b"AKIAIOSFODNN7EXAMPLE"), None);
        assert_eq!(aws_account_id(b"AKIA1"), None);
    }
}
