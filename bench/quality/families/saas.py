"""SaaS credential families: payments, messaging, email, identity, CRM, productivity, CMS,
analytics and social APIs.

Every value is generated with R from the vendor's documented format (prefix, alphabet, length,
structure); none is copied from another project.
"""
import base64
import json

UP = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LO = "abcdefghijklmnopqrstuvwxyz"
DI = "0123456789"
HEX = "0123456789abcdef"
AN = UP + LO + DI
URL = AN + "_-"


def _s(R, alphabet, n):
    while True:
        v = "".join(R.choice(alphabet) for _ in range(n))
        # the digits/upper/lower mix a random token of this length has; no long runs
        if not any(len(set(v[i:i + 5])) == 1 for i in range(len(v) - 4)):
            return v


def _uuid(R):
    h = _s(R, HEX, 32)
    return "%s-%s-4%s-%s%s-%s" % (h[:8], h[8:12], h[13:16], R.choice("89ab"), h[17:20], h[20:])


def _digits(R, n):
    return R.choice("123456789") + _s(R, DI, n - 1)


def _b64url_json(d):
    return base64.urlsafe_b64encode(json.dumps(d, separators=(",", ":")).encode()).decode().rstrip("=")


def positives(R, P):
    out = []

    def add(kind, names, make, n=2):
        for _ in range(n):
            out.append(P(kind, make(), R.choice(names)))

    # payments and commerce
    add("square_token", ["SQUARE_ACCESS_TOKEN", "SQUARE_TOKEN"], lambda: "EAAA" + _s(R, URL, 60))
    add("square_token", ["SQUARE_APPLICATION_SECRET"], lambda: "sq0csp-" + _s(R, URL, 43), 1)
    add("braintree_token", ["BRAINTREE_ACCESS_TOKEN", "BT_ACCESS_TOKEN"],
        lambda: "access_token$production$%s$%s" % (_s(R, LO + DI, 16), _s(R, HEX, 32)))
    add("flutterwave_key", ["FLW_SECRET_KEY", "FLUTTERWAVE_SECRET"], lambda: "FLWSECK-%s-X" % _s(R, HEX, 32))
    add("paystack_key", ["PAYSTACK_SECRET_KEY"], lambda: "sk_live_" + _s(R, HEX, 40), 1)
    add("paddle_key", ["PADDLE_API_KEY"], lambda: "pdl_live_apikey_%s_%s_%s" % (
        _s(R, DI + "abcdefghjkmnpqrstvwxyz", 26), _s(R, AN, 22), _s(R, AN, 3)), 1)
    add("shippo_token", ["SHIPPO_API_KEY"], lambda: "shippo_live_" + _s(R, HEX, 40), 1)
    add("easypost_key", ["EASYPOST_API_KEY"], lambda: "EZAK" + _s(R, AN, 54), 1)
    add("woocommerce_secret", ["WC_CONSUMER_SECRET", "WOOCOMMERCE_SECRET"], lambda: "cs_" + _s(R, HEX, 40), 1)
    add("plaid_access_token", ["PLAID_ACCESS_TOKEN"], lambda: "access-production-" + _uuid(R), 1)
    add("klaviyo_key", ["KLAVIYO_PRIVATE_KEY", "KLAVIYO_API_KEY"], lambda: "pk_" + _s(R, HEX, 34), 1)
    # messaging and email
    add("telegram_bot_token", ["TG_TOKEN", "NOTIFIER_TOKEN"], lambda: "%s:AA%s" % (_digits(R, 10), _s(R, URL, 33)))
    add("teams_webhook", ["TEAMS_WEBHOOK_URL", "ALERTS_TEAMS_HOOK"],
        lambda: "https://contoso.webhook.office.com/webhookb2/%s@%s/IncomingWebhook/%s/%s" % (
            _uuid(R), _uuid(R), _s(R, HEX, 32), _uuid(R)), 1)
    add("twilio_auth_token", ["TWILIO_AUTH_TOKEN"], lambda: _s(R, HEX, 32), 1)
    add("telnyx_key", ["TELNYX_API_KEY"], lambda: "KEY%s_%s" % (_s(R, "0123456789ABCDEF", 32), _s(R, AN, 22)), 1)
    add("intercom_token", ["INTERCOM_ACCESS_TOKEN"], lambda: base64.b64encode(
        ("tok:%s:1:0" % _uuid(R).replace("-", "_")).encode()).decode(), 1)
    add("mailchimp_key", ["MAILCHIMP_API_KEY", "MC_API_KEY"], lambda: "%s-us%d" % (_s(R, HEX, 32), R.randint(1, 21)))
    add("brevo_key", ["BREVO_API_KEY", "SENDINBLUE_API_KEY"], lambda: "xkeysib-%s-%s" % (_s(R, HEX, 64), _s(R, AN, 16)))
    add("resend_key", ["RESEND_API_KEY"], lambda: "re_%s_%s" % (_s(R, AN, 8), _s(R, AN, 24)), 1)
    add("postmark_token", ["POSTMARK_SERVER_TOKEN"], lambda: _uuid(R), 1)
    # identity
    add("okta_token", ["OKTA_API_TOKEN", "OKTA_TOKEN"], lambda: "00" + _s(R, URL, 40))
    add("auth0_secret", ["AUTH0_CLIENT_SECRET"], lambda: _s(R, URL, 64), 1)
    add("stytch_secret", ["STYTCH_SECRET"], lambda: "secret-live-" + _s(R, URL, 36), 1)
    # productivity, CRM, CMS
    add("notion_token", ["NOTION_TOKEN", "NOTION_API_KEY"], lambda: "ntn_%s%s" % (_digits(R, 11), _s(R, AN, 35)))
    add("airtable_pat", ["AIRTABLE_API_KEY", "AIRTABLE_PAT"], lambda: "pat%s.%s" % (_s(R, AN, 14), _s(R, HEX, 64)), 1)
    add("clickup_token", ["CLICKUP_API_TOKEN"], lambda: "pk_%s_%s" % (_digits(R, 8), _s(R, UP + DI, 32)), 1)
    add("figma_token", ["FIGMA_TOKEN"], lambda: "figd_" + _s(R, URL, 40), 1)
    add("dropbox_token", ["DROPBOX_ACCESS_TOKEN"], lambda: "sl." + _s(R, URL, 138), 1)
    add("hubspot_token", ["HUBSPOT_ACCESS_TOKEN", "HUBSPOT_PRIVATE_APP_TOKEN"], lambda: "pat-na1-" + _uuid(R))
    add("zendesk_token", ["ZENDESK_API_TOKEN"], lambda: _s(R, AN, 40), 1)
    add("zoho_token", ["ZOHO_REFRESH_TOKEN"], lambda: "1000.%s.%s" % (_s(R, HEX, 32), _s(R, HEX, 32)), 1)
    add("trello_token", ["TRELLO_TOKEN"], lambda: "ATTA" + _s(R, HEX, 64) + _s(R, "0123456789ABCDEF", 8), 1)
    add("typeform_token", ["TYPEFORM_TOKEN"], lambda: "tfp_%s_%s" % (_s(R, AN, 44), _s(R, AN, 14)), 1)
    add("contentful_token", ["CONTENTFUL_MANAGEMENT_TOKEN"], lambda: "CFPAT-" + _s(R, URL, 43), 1)
    # analytics, maps, social
    add("posthog_personal_key", ["POSTHOG_PERSONAL_API_KEY"], lambda: "phx_" + _s(R, AN, 43), 1)
    add("mapbox_secret_token", ["MAPBOX_SECRET_TOKEN", "MAPBOX_DOWNLOADS_TOKEN"], lambda: "sk.%s.%s" % (
        _b64url_json({"u": "acme-" + _s(R, LO, 6), "a": _s(R, LO + DI, 25)}), _s(R, URL, 22)), 1)
    add("algolia_admin_key", ["ALGOLIA_ADMIN_KEY", "ALGOLIA_ADMIN_API_KEY"], lambda: _s(R, HEX, 32), 1)
    add("facebook_token", ["FACEBOOK_ACCESS_TOKEN", "FB_PAGE_TOKEN"], lambda: "EAAG" + _s(R, AN, 180), 1)
    add("twitter_bearer", ["TWITTER_BEARER_TOKEN", "X_BEARER_TOKEN"],
        lambda: "A" * 22 + _s(R, AN, 30) + "%3D" + _s(R, AN, 50), 1)
    return out


def negatives(R, N):
    out = []

    def add(kind, names, make, n=1):
        for _ in range(n):
            out.append(N(kind, make(), R.choice(names)))

    # public identifiers that sit next to the secrets above
    add("saas_public_id", ["SQUARE_APPLICATION_ID"], lambda: "sq0idp-" + _s(R, URL, 22))
    add("saas_public_id", ["FLW_PUBLIC_KEY"], lambda: "FLWPUBK-%s-X" % _s(R, HEX, 32))
    add("saas_public_id", ["PUBNUB_PUBLISH_KEY"], lambda: "pub-c-" + _uuid(R))
    add("saas_public_id", ["PLAID_LINK_TOKEN"], lambda: "link-sandbox-" + _uuid(R))
    add("saas_public_id", ["MAPBOX_PUBLIC_TOKEN"], lambda: "pk.%s.%s" % (
        _b64url_json({"u": "acme-" + _s(R, LO, 6), "a": _s(R, LO + DI, 25)}), _s(R, URL, 22)))
    add("saas_public_id", ["STYTCH_PROJECT_ID"], lambda: "project-live-" + _uuid(R))
    add("saas_public_id", ["ZOHO_CLIENT_ID"], lambda: "1000." + _s(R, UP + DI, 30))
    # placeholders and look-alikes in the vendors' own shapes
    add("saas_placeholder", ["SQUARE_ACCESS_TOKEN"], lambda: "EAAA" + "x" * 60)
    add("saas_placeholder", ["BRAINTREE_ACCESS_TOKEN"], lambda: "access_token$production$<merchant_id>$<key>")
    add("saas_placeholder", ["OKTA_API_TOKEN"], lambda: "{apiToken}")
    add("saas_placeholder", ["HUBSPOT_ACCESS_TOKEN"], lambda: "pat-na1-<your-private-app-token>")
    add("saas_placeholder", ["TEAMS_WEBHOOK_URL"], lambda: "https://contoso.webhook.office.com/webhookb2/<group>@<tenant>/IncomingWebhook/<id>/<owner>")
    add("saas_placeholder", ["MAILCHIMP_API_KEY"], lambda: "<api-key>-us6")
    add("saas_lookalike", ["BUILD_TIME"], lambda: "%s:%s" % (_digits(R, 2), _digits(R, 2)))
    add("saas_lookalike", ["LOCALE"], lambda: "en-us")
    add("saas_lookalike", ["CACHE_KEY"], lambda: "secret_" + R.choice(["ManagerClientFactory", "RotationPolicyName"]))
    return out
