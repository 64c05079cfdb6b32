// End-to-end tests of the broker's web UI in headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core) against a real `zerokey serve` and the AWS emulator:
// sign in (keyboard only), connect an account (external ID, policies with copy buttons,
// CloudFormation download, role ARN verified live), browse a bucket (folders, pagination),
// upload with progress and download a file, object details, the audit log with filters, a
// wrong external ID refused with its specific message (emulator in IAM-enforcement mode),
// API tokens (create with an expiry, shown once, revoke), delete with confirmation, sign out. Every page is screenshotted at desktop and phone
// width into docs/screenshots/, checked for horizontal overflow at phone width, for the
// broker's canary credentials in its HTML, and for console errors (a CSP violation is one).
//
// Environment: ZEROKEY_BIN (default $CARGO_TARGET_DIR/debug/zerokey), AWS_EMULATOR_DIR
// (default scripts/aws-emulator), E2E_EMULATOR_PORT (default 5172), CHROMIUM
// (default /usr/bin/chromium), SCREENSHOTS (default ../docs/screenshots; "0" turns them off).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir, homedir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..");
const targetDir = process.env.CARGO_TARGET_DIR || path.join(homedir(), ".cache/zerokey/target");
const zerokey = process.env.ZEROKEY_BIN || path.join(targetDir, "debug/zerokey");
const emulatorDir = process.env.AWS_EMULATOR_DIR || path.resolve(repo, "scripts/aws-emulator");
const port = process.env.E2E_EMULATOR_PORT || "5172";
const shotsDir = process.env.SCREENSHOTS || path.join(repo, "docs/screenshots");
const PASSWORD = "alice-e2e-password-1";
const BUCKET = "zk-e2e-data";
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

let endpoint;
let sandbox;
let broker;
let baseUrl;
let brokerKey;
let browser;
let serverLog = "";

function emulator(cmd) {
  return execFileSync(path.join(emulatorDir, cmd), {
    env: { ...process.env, AWS_EMULATOR_PORT: port },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  }).trim();
}

async function control(p, body) {
  const r = await fetch(endpoint + p, {
    method: "POST",
    headers: { "content-type": "text/plain" },
    body,
  });
  assert.ok(r.ok, `${p}: ${r.status}`);
}

// IAM query API on the emulator. With auth off moto takes the service from the (unchecked)
// credential scope.
async function iam(params) {
  const body = new URLSearchParams({ Version: "2010-05-08", ...params });
  const r = await fetch(endpoint + "/", {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization:
        "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0",
    },
    body,
  });
  const text = await r.text();
  assert.ok(r.ok, `IAM ${params.Action}: ${r.status} ${text}`);
  return text;
}

const tag = (xml, name) => (xml.match(new RegExp(`<${name}>([^<]*)</${name}>`)) || [])[1];

async function s3put(key, body) {
  const url = `${endpoint}/${BUCKET}${key === undefined ? "" : "/" + key}`;
  const r = await fetch(url, { method: "PUT", body: body ?? "" });
  assert.ok(r.ok, `PUT ${url}: ${r.status}`);
}

function zk(args, input) {
  return execFileSync(zerokey, args, {
    cwd: sandbox,
    input,
    encoding: "utf8",
    env: cleanEnv({}),
  });
}

function cleanEnv(extra) {
  return {
    PATH: process.env.PATH,
    HOME: path.join(sandbox, "home"),
    TMPDIR: path.join(sandbox, "tmp"),
    AWS_ENDPOINT_URL: endpoint,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_REGION: "us-east-1",
    ...extra,
  };
}

function startBroker(db) {
  return new Promise((resolve, reject) => {
    const child = spawn(zerokey, ["serve", "--listen", "127.0.0.1:0", "--database", db], {
      cwd: sandbox,
      env: cleanEnv({
        AWS_ACCESS_KEY_ID: brokerKey.id,
        AWS_SECRET_ACCESS_KEY: brokerKey.secret,
      }),
      stdio: ["ignore", "ignore", "pipe"],
    });
    let buf = "";
    const timer = setTimeout(() => reject(new Error("zerokey serve did not start:\n" + serverLog)), 60000);
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk) => {
      serverLog += chunk;
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          const v = JSON.parse(line);
          if (v.message === "zerokey broker listening") {
            clearTimeout(timer);
            resolve({ child, url: `http://${v.listen}` });
          }
        } catch {
          /* not JSON */
        }
      }
    });
    child.on("exit", (code) => reject(new Error(`zerokey serve exited ${code}:\n${serverLog}`)));
  });
}

before(async () => {
  endpoint = emulator("start");
  await control("/moto-api/reset-auth", "inf");
  await control("/moto-api/reset", "");
  // The broker's base principal: an IAM user allowed to assume roles (needed once IAM
  // enforcement is on for the wrong-external-ID test).
  await iam({ Action: "CreateUser", UserName: "zk-broker" });
  await iam({
    Action: "PutUserPolicy",
    UserName: "zk-broker",
    PolicyName: "assume",
    PolicyDocument: JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"],
          Resource: "*",
        },
      ],
    }),
  });
  const key = await iam({ Action: "CreateAccessKey", UserName: "zk-broker" });
  brokerKey = { id: tag(key, "AccessKeyId"), secret: tag(key, "SecretAccessKey") };
  assert.ok(brokerKey.id && brokerKey.secret);
  await s3put();
  await s3put("readme.txt", "hello from the emulator\n");
  for (let i = 1; i <= 5; i++) await s3put(`reports/2026/q${i}.csv`, `quarter,${i}\n`);

  sandbox = mkdtempSync(path.join(tmpdir(), "zk-e2e-"));
  mkdirSync(path.join(sandbox, "home"));
  mkdirSync(path.join(sandbox, "tmp"));
  const db = `sqlite://${path.join(sandbox, "zk.db")}`;
  zk(["admin", "create-user", "alice", "--database", db], PASSWORD + "\n");
  const started = await startBroker(db);
  broker = started.child;
  baseUrl = started.url;
  if (shotsDir !== "0") mkdirSync(shotsDir, { recursive: true });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox"],
  });
});

after(async () => {
  if (browser) await browser.close();
  if (broker) {
    broker.removeAllListeners("exit");
    broker.kill("SIGTERM");
    await new Promise((r) => broker.once("exit", r));
  }
  if (endpoint) await control("/moto-api/reset-auth", "inf").catch(() => {});
  // The canaries never reach the server log.
  if (brokerKey) {
    assert.ok(!serverLog.includes(brokerKey.secret), "server log holds the broker's secret key");
  }
  assert.ok(!serverLog.includes(PASSWORD), "server log holds the password");
  if (sandbox) rmSync(sandbox, { recursive: true, force: true });
});

test("the web UI end to end", async () => {
  const context = await browser.newContext({ viewport: DESKTOP, acceptDownloads: true });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseUrl });
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => {
    // HTTP error statuses (a 401, 403 or 404 page is expected) are logged as "Failed to
    // load resource"; anything else, such as a CSP violation, is a problem.
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) {
      problems.push(m.text());
    }
  });
  page.on("pageerror", (e) => problems.push(String(e)));
  const requested = [];
  page.on("request", (r) => requested.push(r.url()));

  // Screenshot at both widths; check for overflow at phone width and canaries in the HTML.
  async function shot(name) {
    const html = await page.content();
    for (const canary of [brokerKey.secret, brokerKey.id, PASSWORD]) {
      assert.ok(!html.includes(canary), `${name}: the page holds a canary credential`);
    }
    assert.ok(!/ASIA[A-Z0-9]{16}/.test(html), `${name}: temporary key id in the page`);
    if (shotsDir !== "0") {
      await page.screenshot({ path: path.join(shotsDir, `${name}-desktop.png`), fullPage: true });
    }
    await page.setViewportSize(PHONE);
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    assert.ok(overflow <= 1, `${name}: ${overflow}px horizontal overflow at phone width`);
    if (shotsDir !== "0") {
      await page.screenshot({ path: path.join(shotsDir, `${name}-phone.png`), fullPage: true });
    }
    await page.setViewportSize(DESKTOP);
  }

  // Sign in with the keyboard only.
  await page.goto(baseUrl + "/ui/connections");
  assert.equal(new URL(page.url()).pathname, "/ui/login");
  await page.getByLabel("User name").focus();
  await shot("01-sign-in");
  await page.keyboard.type("alice");
  await page.keyboard.press("Tab");
  await page.keyboard.type("wrong-password-here");
  await page.keyboard.press("Enter");
  await page.waitForLoadState();
  assert.match(await page.locator(".error").innerText(), /Wrong user name or password/);
  await page.getByLabel("User name").fill("alice");
  await page.getByLabel("Password").focus();
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press("Enter");
  await page.waitForURL("**/ui/connections");
  await page.getByText("No connections yet").waitFor();
  // Keyboard: the first Tab reaches the skip link, which moves the focus to the content;
  // the next Tabs walk the navigation in order.
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.textContent), "Skip to content");
  await page.keyboard.press("Enter");
  assert.equal(await page.evaluate(() => document.activeElement.id), "main");
  await page.locator(".brand").focus();
  const order = [];
  for (let i = 0; i < 5; i++) {
    await page.keyboard.press("Tab");
    order.push(await page.evaluate(() => document.activeElement.textContent.trim()));
  }
  assert.deepEqual(order, ["Connections", "Connect an account", "Buckets", "Audit log", "Sign out"]);
  await shot("02-connections-empty");

  // Connect an account: step 1.
  await page.getByRole("link", { name: "Connect an account" }).first().click();
  await page.waitForURL("**/ui/connect");
  await shot("03-connect-start");
  await page.getByRole("button", { name: "Get the external ID and policies" }).click();
  await page.getByRole("heading", { name: "Step 1: create the role in your account" }).waitFor();
  const externalId = (await page.locator("#external-id").innerText()).trim();
  assert.match(externalId, /^zk-[0-9a-f]{40}$/);
  const trustPolicy = await page.locator("#trust-policy").innerText();
  const trust = JSON.parse(trustPolicy);
  assert.equal(trust.Statement[0].Condition.StringEquals["sts:ExternalId"], externalId);
  assert.equal(trust.Statement[0].Principal.AWS, "arn:aws:iam::123456789012:user/zk-broker");
  const permissionPolicy = await page.locator("#permission-policy").innerText();
  assert.match(permissionPolicy, /s3:ListAllMyBuckets/);
  // Copy buttons (app.js) put the exact text on the clipboard.
  await page.locator('button[data-copy="external-id"]').click();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), externalId);
  await page.locator('button[data-copy="trust-policy"]').click();
  assert.deepEqual(JSON.parse(await page.evaluate(() => navigator.clipboard.readText())), trust);
  await page.getByRole("status").filter({ hasText: "Copied" }).waitFor();
  await shot("04-connect-step1");
  // The CloudFormation template downloads as a file.
  const [cfn] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download the CloudFormation template" }).click(),
  ]);
  const template = JSON.parse(readFileSync(await cfn.path(), "utf8"));
  const role = template.Resources.ZerokeyBrokerRole.Properties;
  assert.equal(
    role.AssumeRolePolicyDocument.Statement[0].Condition.StringEquals["sts:ExternalId"],
    externalId,
  );

  // The customer creates the role from the documents shown.
  const created = await iam({
    Action: "CreateRole",
    RoleName: "zk-e2e-customer",
    AssumeRolePolicyDocument: trustPolicy,
  });
  const roleArn = tag(created, "Arn");
  await iam({
    Action: "PutRolePolicy",
    RoleName: "zk-e2e-customer",
    PolicyName: "s3",
    PolicyDocument: permissionPolicy,
  });

  // Step 2: verify live, then the connection is in the list.
  await page.getByLabel("Role ARN").fill(roleArn);
  await page.getByLabel("Name (optional)").fill("e2e-prod");
  await page.getByRole("button", { name: "Verify and connect" }).click();
  await page.waitForURL("**/ui/connections?added=*");
  await page.getByText("Connected “e2e-prod”").waitFor();
  assert.ok(await page.getByRole("cell", { name: roleArn }).isVisible());
  await shot("05-connections");

  // Buckets and objects: folders, pagination, details.
  await page.getByRole("link", { name: "Buckets of e2e-prod" }).click();
  await page.getByRole("link", { name: BUCKET }).waitFor();
  await shot("06-buckets");
  await page.getByRole("link", { name: BUCKET }).click();
  await page.getByRole("link", { name: /reports\// }).waitFor();
  assert.ok(await page.getByRole("link", { name: "readme.txt" }).isVisible());
  await shot("07-objects");
  await page.getByRole("link", { name: /reports\// }).click();
  await page.getByRole("link", { name: /2026\// }).click();
  await page.getByRole("link", { name: "q1.csv" }).waitFor();
  // Pagination: two per page over five objects.
  await page.goto(page.url() + "&max_keys=2");
  assert.equal(await page.locator("table.objects tbody tr").count(), 2);
  const seen = [];
  for (;;) {
    seen.push(...(await page.locator("table.objects tbody tr td:first-child a").allInnerTexts()));
    const next = page.getByRole("link", { name: "Next page" });
    if ((await next.count()) === 0) break;
    await next.click();
    await page.waitForLoadState();
  }
  assert.deepEqual(seen, ["q1.csv", "q2.csv", "q3.csv", "q4.csv", "q5.csv"]);
  await shot("08-objects-last-page");
  await page.getByRole("link", { name: "First page" }).click();
  await page.getByRole("link", { name: "q1.csv" }).click();
  await page.getByText("ETag").waitFor();
  assert.match(await page.locator("dl.meta").innerText(), /10 bytes/);
  await shot("09-object-details");

  // Upload with progress, then download the same bytes.
  await page.getByRole("link", { name: "← Back to the folder" }).click();
  const content = "uploaded through the browser " + Date.now() + "\n";
  await page.getByLabel(/File to upload/).setInputFiles({
    name: "browser-upload.txt",
    mimeType: "text/plain",
    buffer: Buffer.from(content),
  });
  await page.getByRole("button", { name: "Upload", exact: true }).click();
  await page.getByText("Uploaded reports/2026/browser-upload.txt.").waitFor();
  assert.equal(await page.locator("#upload-progress").getAttribute("value"), "100");
  await page.waitForLoadState("load");
  await page.getByRole("link", { name: "browser-upload.txt" }).waitFor();
  await shot("10-objects-after-upload");
  const row = page.locator("tr", { has: page.getByRole("link", { name: "browser-upload.txt" }) });
  const [dl] = await Promise.all([
    page.waitForEvent("download"),
    row.getByRole("link", { name: "Download" }).click(),
  ]);
  assert.equal(dl.suggestedFilename(), "browser-upload.txt");
  assert.equal(readFileSync(await dl.path(), "utf8"), content);

  // Errors are shown in the page.
  await page.goto(page.url().replace(/bucket=[^&]+/, "bucket=zk-no-such-bucket"));
  assert.match(await page.locator(".error").innerText(), /bucket not found/);

  // Audit log with filters.
  await page.getByRole("link", { name: "Audit log" }).click();
  await page.getByRole("cell", { name: "s3.put_object" }).first().waitFor();
  for (const action of ["auth.login", "connection.prepare", "connection.verify", "s3.list_objects"]) {
    assert.ok(await page.getByRole("cell", { name: action, exact: true }).first().isVisible(), action);
  }
  await shot("11-audit");
  await page.getByLabel("Action").selectOption("s3.get_object");
  await page.getByLabel("Outcome").selectOption("ok");
  await page.getByRole("button", { name: "Filter" }).click();
  await page.waitForURL("**/ui/audit?action=s3.get_object&outcome=ok");
  const actions = await page.locator("table.audit tbody td[data-label=Action]").allInnerTexts();
  assert.ok(actions.length >= 1);
  assert.ok(actions.every((a) => a === "s3.get_object"), actions.join(","));
  assert.ok(
    (await page.locator("table.audit tbody").innerText()).includes(
      `${BUCKET}/reports/2026/browser-upload.txt`,
    ),
  );
  await shot("11-audit-filtered");

  // A wrong external ID: a second one issued, the role trusts only the first. With IAM
  // enforcement on, AWS refuses and the page says why.
  await page.getByRole("link", { name: "Connect an account" }).first().click();
  await page.getByRole("button", { name: "Get the external ID and policies" }).click();
  const otherId = (await page.locator("#external-id").innerText()).trim();
  assert.notEqual(otherId, externalId);
  await control("/moto-api/reset-auth", "0");
  try {
    await page.getByLabel("Role ARN").fill(roleArn);
    await page.getByRole("button", { name: "Verify and connect" }).click();
    const err = page.locator("#verify-error");
    await err.waitFor();
    const msg = await err.innerText();
    assert.match(msg, /AWS refused to let the broker assume this role/);
    assert.match(msg, /external ID/);
    assert.equal(await page.getByLabel("Role ARN").inputValue(), roleArn);
  } finally {
    await control("/moto-api/reset-auth", "inf");
  }
  await shot("12-connect-wrong-external-id");

  // API tokens: create one with an expiry (shown once), use it, revoke it.
  await page.getByRole("link", { name: "API tokens" }).click();
  await page.getByRole("heading", { name: "API tokens" }).waitFor();
  await page.getByLabel("Name").fill("e2e-ci");
  await page.getByLabel("Expires after").selectOption("30d");
  await page.getByRole("button", { name: "Create token" }).click();
  await page.getByText("Copy it now").waitFor();
  const token = (await page.locator("#new-token").innerText()).trim();
  assert.match(token, /^zkt_[A-Za-z0-9_-]{40,}$/);
  assert.ok(!page.url().includes(token), "the token is never in a URL");
  await shot("14-tokens-created");
  const me = (t) => fetch(baseUrl + "/api/me", { headers: { authorization: `Bearer ${t}` } });
  assert.equal((await me(token)).status, 200);
  await page.getByRole("link", { name: "API tokens" }).click();
  assert.ok(!(await page.content()).includes(token), "shown once only");
  await page.getByRole("button", { name: "Revoke e2e-ci" }).click();
  await page.getByRole("cell", { name: "revoked", exact: true }).waitFor();
  const gone = await me(token);
  assert.equal(gone.status, 401);
  assert.equal((await gone.json()).error.code, "token_revoked");

  // Delete with confirmation.
  await page.getByRole("link", { name: "Connections" }).click();
  await page.getByRole("link", { name: "Delete e2e-prod" }).click();
  await page.getByRole("heading", { name: "Delete connection “e2e-prod”?" }).waitFor();
  await shot("13-delete-confirm");
  await page.getByRole("button", { name: "Delete connection" }).click();
  await page.getByText("No connections yet").waitFor();

  // Sign out: the old session no longer opens a page.
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL("**/ui/login");
  await page.goto(baseUrl + "/ui/audit");
  assert.equal(new URL(page.url()).pathname, "/ui/login");

  // No URL the browser requested carried an external ID; no console errors (CSP).
  for (const u of requested) {
    assert.ok(!u.includes(externalId) && !u.includes(otherId), `external ID in URL ${u}`);
  }
  assert.deepEqual(problems, []);
  await context.close();
});
