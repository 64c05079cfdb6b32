"""AI/ML APIs, vector and data platforms, databases as a service, Google OAuth, Azure AI, and
credential shapes (age identities, password hashes, framework secrets).

Every value is generated from the vendor's documented format (prefix, alphabet, length,
checksum or encoded payload) with the corpus' seeded random; none is copied from elsewhere.
"""
import base64
import json
import string

UP, LO, DG = string.ascii_uppercase, string.ascii_lowercase, string.digits
A62 = UP + LO + DG
HEX = "0123456789abcdef"
B64U = A62 + "-_"
B64 = A62 + "+/"
BECH = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _rs(R, alphabet, n):
    """Random string with at least two character classes when the alphabet has them."""
    while True:
        s = "".join(R.choice(alphabet) for _ in range(n))
        classes = [c for c in (UP, LO, DG) if set(c) & set(alphabet)]
        if len(classes) >= 2 and sum(any(ch in c for ch in s) for c in classes) < 2:
            continue
        if any(s[i] == s[i + 1] == s[i + 2] == s[i + 3] for i in range(len(s) - 3)):
            continue
        return s


def _uuid(R):
    h = _rs(R, HEX, 32)
    return "%s-%s-4%s-%s%s-%s" % (h[:8], h[8:12], h[13:16], R.choice("89ab"), h[17:20], h[20:32])


def _b64u(raw):
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _bytes(R, n):
    return bytes(R.getrandbits(8) for _ in range(n))


def _jwt(R, payload, alg="HS256"):
    head = _b64u(json.dumps({"alg": alg, "typ": "JWT"}, separators=(",", ":")).encode())
    body = _b64u(json.dumps(payload, separators=(",", ":")).encode())
    return "%s.%s.%s" % (head, body, _b64u(_bytes(R, 32)))


def _polymod(values):
    gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for v in values:
        top = chk >> 25
        chk = ((chk & 0x1FFFFFF) << 5) ^ v
        for i in range(5):
            if (top >> i) & 1:
                chk ^= gen[i]
    return chk


def _age_identity(R, corrupt=False):
    """AGE-SECRET-KEY-1 + Bech32 of 32 random bytes with its checksum (age-encryption.org/v1)."""
    hrp = "age-secret-key-"
    acc = n = 0
    bits = []
    for b in _bytes(R, 32):
        acc = (acc << 8) | b
        n += 8
        while n >= 5:
            n -= 5
            bits.append((acc >> n) & 31)
    if n:
        bits.append((acc << (5 - n)) & 31)
    hv = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    pm = _polymod(hv + bits + [0] * 6) ^ 1
    s = hrp + "1" + "".join(BECH[b] for b in bits) + "".join(BECH[(pm >> 5 * (5 - i)) & 31] for i in range(6))
    s = s.upper()
    if corrupt:
        i = 30
        s = s[:i] + ("Q" if s[i] != "Q" else "P") + s[i + 1:]
    return s


def positives(R, P):
    out = []

    def add(kind, names, make, count=2):
        for _ in range(count):
            out.append(P(kind, make(), R.choice(names)))

    # AI / ML APIs with a vendor prefix
    add("groq_api_key", ["GROQ_API_KEY", "LLM_API_KEY"], lambda: "gsk_" + _rs(R, A62, 52))
    add("xai_api_key", ["XAI_API_KEY", "GROK_API_KEY"], lambda: "xai-" + _rs(R, A62, 80))
    add("replicate_api_token", ["REPLICATE_API_TOKEN"], lambda: "r8_" + _rs(R, A62, 37))
    add("perplexity_api_key", ["PERPLEXITY_API_KEY", "PPLX_API_KEY"], lambda: "pplx-" + _rs(R, A62, 48))
    add("langsmith_api_key", ["LANGSMITH_API_KEY", "LANGCHAIN_API_KEY"],
        lambda: "lsv2_%s_%s_%s" % (R.choice(["pt", "sk"]), _rs(R, HEX, 32), _rs(R, HEX, 10)))
    add("pinecone_api_key", ["PINECONE_API_KEY", "VECTOR_DB_KEY"], lambda: "pcsk_%s_%s" % (_rs(R, A62, 6), _rs(R, A62, 65)))
    add("openrouter_api_key", ["OPENROUTER_API_KEY", "LLM_API_KEY"], lambda: "sk-or-v1-" + _rs(R, HEX, 64))
    add("cerebras_api_key", ["CEREBRAS_API_KEY"], lambda: "csk-" + _rs(R, LO + DG, 48))
    add("nvidia_api_key", ["NVIDIA_API_KEY", "NGC_API_KEY"], lambda: "nvapi-" + _rs(R, B64U, 64))
    add("tavily_api_key", ["TAVILY_API_KEY", "SEARCH_API_KEY"], lambda: "tvly-" + _rs(R, A62, 32))
    add("llamacloud_api_key", ["LLAMA_CLOUD_API_KEY"], lambda: "llx-" + _rs(R, A62, 48), 1)
    add("langfuse_secret_key", ["LANGFUSE_SECRET_KEY"], lambda: "sk-lf-" + _uuid(R), 1)
    add("huggingface_org_token", ["HF_ORG_TOKEN"], lambda: "api_org_" + _rs(R, UP + LO, 34), 1)
    add("e2b_api_key", ["E2B_API_KEY"], lambda: "e2b_" + _rs(R, HEX, 40), 1)
    add("firecrawl_api_key", ["FIRECRAWL_API_KEY"], lambda: "fc-" + _rs(R, HEX, 32), 1)
    add("neptune_api_token", ["NEPTUNE_API_TOKEN"], lambda: base64.b64encode(json.dumps(
        {"api_address": "https://app.neptune.ai", "api_url": "https://app.neptune.ai", "api_key": _uuid(R)}).encode()).decode(), 1)
    # AI / ML APIs without a prefix: the variable names the vendor
    add("wandb_api_key", ["WANDB_API_KEY"], lambda: _rs(R, HEX, 40))
    add("deepgram_api_key", ["DEEPGRAM_API_KEY"], lambda: _rs(R, HEX, 40), 1)
    add("cohere_api_key", ["COHERE_API_KEY", "CO_API_KEY"], lambda: _rs(R, A62, 40))
    add("mistral_api_key", ["MISTRAL_API_KEY"], lambda: _rs(R, A62, 32))
    add("together_api_key", ["TOGETHER_API_KEY"], lambda: _rs(R, HEX, 64), 1)
    add("deepseek_api_key", ["DEEPSEEK_API_KEY"], lambda: "sk-" + _rs(R, HEX, 32))
    add("elevenlabs_api_key", ["ELEVENLABS_API_KEY"], lambda: "sk_" + _rs(R, HEX, 48), 1)
    add("azure_openai_key", ["AZURE_OPENAI_API_KEY", "AZURE_OPENAI_KEY"], lambda: _rs(R, HEX, 32))
    # Google
    add("google_oauth_access_token", ["GOOGLE_ACCESS_TOKEN", "GCP_OAUTH_TOKEN"], lambda: "ya29.a0" + _rs(R, B64U, 150))
    add("google_oauth_refresh_token", ["GOOGLE_REFRESH_TOKEN", "GMAIL_REFRESH_TOKEN"], lambda: "1//0" + R.choice("3459g") + _rs(R, B64U, 98))
    add("fcm_server_key", ["FCM_SERVER_KEY"], lambda: "AAAA%s:APA91b%s" % (_rs(R, B64U, 7), _rs(R, B64U, 134)), 1)
    # Databases as a service
    add("supabase_pat", ["SUPABASE_ACCESS_TOKEN"], lambda: "sbp_" + _rs(R, HEX, 40))
    add("supabase_secret_key", ["SUPABASE_SECRET_KEY"], lambda: "sb_secret_" + _rs(R, B64U, 31), 1)
    add("supabase_service_role", ["SUPABASE_SERVICE_ROLE_KEY"], lambda: _jwt(R, {
        "iss": "supabase", "ref": _rs(R, LO, 20), "role": "service_role",
        "iat": 1700000000 + R.randint(0, 10 ** 7), "exp": 2000000000 + R.randint(0, 10 ** 7)}))
    add("planetscale_password", ["DATABASE_PASSWORD", "PLANETSCALE_DB_PASSWORD"], lambda: "pscale_pw_" + _rs(R, B64U, 43))
    add("planetscale_service_token", ["PLANETSCALE_SERVICE_TOKEN"], lambda: "pscale_tkn_" + _rs(R, B64U, 43), 1)
    add("neon_api_key", ["NEON_API_KEY"], lambda: "napi_" + _rs(R, LO + DG, 64))
    add("cockroach_api_key", ["COCKROACH_API_KEY"], lambda: "CCDB1_%s_%s" % (_rs(R, A62, 22), _rs(R, A62, 40)), 1)
    add("xata_api_key", ["XATA_API_KEY"], lambda: "xau_" + _rs(R, A62, 36), 1)
    add("astra_db_token", ["ASTRA_DB_APPLICATION_TOKEN"], lambda: "AstraCS:%s:%s" % (_rs(R, UP + LO, 24), _rs(R, HEX, 64)))
    add("databricks_oauth_secret", ["DATABRICKS_CLIENT_SECRET"], lambda: "dose" + _rs(R, HEX, 32), 1)
    add("mongodb_atlas_sa_secret", ["MONGODB_ATLAS_CLIENT_SECRET"], lambda: "mdb_sa_sk_" + _rs(R, B64U, 40), 1)
    # Shapes
    add("age_secret_key", ["SOPS_AGE_KEY", "AGE_IDENTITY"], lambda: _age_identity(R))
    add("nextauth_secret", ["NEXTAUTH_SECRET", "AUTH_SECRET"],
        lambda: base64.b64encode(_bytes(R, 32)).decode())
    return out


def negatives(R, N):
    out = []

    def add(kind, names, make, count=2):
        for _ in range(count):
            out.append(N(kind, make(), R.choice(names)))

    # Placeholders and documentation forms of the new prefixes
    add("ai_placeholder", ["GROQ_API_KEY", "XAI_API_KEY", "PERPLEXITY_API_KEY", "OPENROUTER_API_KEY"],
        lambda: R.choice(["gsk_your_key_here", "xai-your-key-here", "pplx-...", "sk-or-v1-...",
                          "nvapi-XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", "tvly-YOUR_API_KEY"]), 4)
    # Public or non-secret values that look close
    add("supabase_anon_key", ["SUPABASE_ANON_KEY", "NEXT_PUBLIC_SUPABASE_ANON_KEY"], lambda: _jwt(R, {
        "iss": "supabase", "ref": _rs(R, LO, 20), "role": "anon", "iat": 1700000000, "exp": 2015000000}), 3)
    add("supabase_publishable_key", ["SUPABASE_PUBLISHABLE_KEY"], lambda: "sb_publishable_" + _rs(R, B64U, 31), 2)
    add("langfuse_public_key", ["LANGFUSE_PUBLIC_KEY"], lambda: "pk-lf-" + _uuid(R), 2)
    add("age_recipient", ["SOPS_AGE_RECIPIENTS", "AGE_RECIPIENT"],
        lambda: "age1" + "".join(R.choice(BECH) for _ in range(58)), 3)
    add("age_bad_checksum", ["SOPS_AGE_KEY"], lambda: _age_identity(R, corrupt=True), 3)
    add("mongodb_atlas_client_id", ["MONGODB_ATLAS_CLIENT_ID"], lambda: "mdb_sa_id_" + _rs(R, HEX, 24), 2)
    add("azure_openai_endpoint", ["AZURE_OPENAI_ENDPOINT"],
        lambda: "https://%s.openai.azure.com/" % _rs(R, LO, 10), 2)
    add("convex_deployment", ["CONVEX_DEPLOYMENT"],
        lambda: "prod:%s-%s-%d" % (R.choice(["happy", "brave", "quiet"]), R.choice(["otter", "lynx"]), R.randint(100, 999)), 2)
    # A hash that is not set as a password (a user fixture)
    add("password_hash_fixture", ["PASSWORD_HASH", "HASHED_PASSWORD"],
        lambda: "$2b$12$" + _rs(R, A62 + "./", 53), 3)
    # Ansible Vault: encrypted, not a secret in clear
    add("ansible_vault_header", ["VAULT_FORMAT"], lambda: "$ANSIBLE_VAULT;1.1;AES256", 2)
    add("model_names", ["LLM_MODEL", "EMBEDDING_MODEL"],
        lambda: R.choice(["mistral-large-latest", "command-r-plus-08-2024", "llama-3.3-70b-versatile",
                          "grok-2-vision-1212", "sonar-reasoning-pro", "voyage-3-large"]), 4)
    return out
