package io.liftshift.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.liftshift.agent.ControlPlaneLink;
import io.liftshift.agent.SyncListener;
import io.liftshift.cloud.local.LocalLaunchCloud;
import io.liftshift.controlplane.ControlPlane;
import io.liftshift.controlplane.auth.AccessKeys;
import io.liftshift.controlplane.console.ConsoleAssets;
import io.liftshift.replicator.ReplicatorOptions;
import io.liftshift.trust.PinnedCaTrustManager;
import io.liftshift.trust.ServerRole;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in a real browser (Debian's chromium through chromium-driver, trusting only the
 * control plane's certificate): an operator signs in with an access key from the keyboard, watches
 * a real agent's initial sync move on the source-servers page (laid out at 1280 and 600 px),
 * reaches the server's page by Tab and Enter, sees its lag chart from the control plane's history,
 * edits a launch setting, starts a test launch and watches its job's log to JOB_END and COMPLETED,
 * sees the replication fleet, and signs out; a wrong or revoked key gets the API's message; a
 * hostname with markup stays text; a cross-site form post and a tampered signature are refused;
 * axe-core finds no serious or critical violation. Screenshots go to target/console-browser/
 * (failure.png on a failure).
 */
class ConsoleBrowserTest {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path DRIVER = Path.of("/usr/bin/chromedriver");
  private static final Path SHOTS = Path.of("target", "console-browser");
  private static final Path AXE =
      Path.of("..", "console", "node_modules", "axe-core", "axe.min.js");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MARKUP_HOSTNAME = "<img src=x onerror=\"window.__xss=1\">web-02";

  @TempDir Path dir;

  @Test
  void operatorSignsInWatchesReplicationEditsALaunchSettingStartsATestAndSignsOut()
      throws Exception {
    assumeTrue(
        Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER),
        "needs Debian's chromium and chromium-driver (scripts/setup)");
    Files.createDirectories(SHOTS);
    try (ControlPlane cp = ControlPlane.startOnLoopback(dir);
        ReplicationHarness h =
            new ReplicationHarness(
                dir,
                new ReplicatorOptions()
                    // Scheduled snapshots far apart: the test launch asks for its own.
                    .snapshotIntervalMillis(600_000)
                    .heartbeatIntervalMillis(500)
                    .advertisedHost("127.0.0.1")
                    .controlPlane(
                        "https://localhost:" + cp.port(), cp.createReplicationServerToken()))) {
      String base = "https://127.0.0.1:" + cp.port();
      // Real launches through the real pipeline (fresh snapshot, launch volumes, conversion); the
      // conversion server exits at once, so a job ends within seconds instead of a TCG boot.
      cp.enableLaunches(
          new LocalLaunchCloud(
              dir.resolve("launch"),
              List.of("/bin/false"),
              URI.create(base),
              cp.caFingerprint(),
              "tcg"),
          60_000,
          20_000);
      var key = cp.accessKeys().create();
      cp.call("InitializeService", "{}");
      HttpClient http = client(cp);

      // A second source server whose hostname is markup: the console must show it as text.
      register(http, base, cp.createInstallToken(), MARKUP_HOSTNAME);

      // A real agent, throttled so that its initial sync of 40 MiB takes about 14 s.
      Path disk = ReplicationHarness.randomImage(dir.resolve("disk.img"), 40L << 20, 31);
      ControlPlaneLink link = ReplicatingAgent.register(cp, disk, dir.resolve("a"));
      String id = link.identity().sourceServerId();
      cp.call(
          "UpdateReplicationConfiguration",
          "{\"sourceServerID\":\"" + id + "\",\"bandwidthThrottling\":24}");
      try (ReplicatingAgent agent =
          new ReplicatingAgent(
              link,
              disk,
              dir.resolve("a"),
              new SyncListener() {},
              o -> o.scanPassIntervalMillis(200).scanReadBudgetMBps(0))) {
        browse(cp, http, base, key, id);
      }
    }
  }

  private void browse(
      ControlPlane cp, HttpClient http, String base, AccessKeys.NewKey key, String id)
      throws Exception {
    // Clickjacking and script injection: the page's own headers.
    HttpResponse<String> page =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/console/")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("content-security-policy"))
        .contains(ConsoleAssets.CONTENT_SECURITY_POLICY);
    assertThat(page.headers().firstValue("x-frame-options")).contains("DENY");
    assertThat(page.body()).doesNotContain("<script>").doesNotContain("style=");

    long started = System.nanoTime();
    WebDriver driver = chromium(spkiSha256(page));
    try {
      System.out.printf(
          "console browser: chromium started in %d ms%n",
          (System.nanoTime() - started) / 1_000_000);
      WebDriverWait wait = waitUpTo(driver, 30);
      JavascriptExecutor js = (JavascriptExecutor) driver;

      // No key, no data: the sign-in form, and nothing of the servers. The browser trusts the
      // installation's certificate by its key alone: the page loaded over TLS without warnings.
      driver.get(base + "/console/#/servers");
      wait.until(d -> !d.findElements(By.id("sign-in")).isEmpty());
      assertThat(driver.getPageSource()).doesNotContain(id);
      Object timing =
          js.executeScript(
              "const n = performance.getEntriesByType('navigation')[0];"
                  + "const r = performance.getEntriesByType('resource');"
                  + "return [Math.round(n.loadEventEnd), n.transferSize"
                  + " + r.reduce((a, e) => a + e.transferSize, 0),"
                  + " n.decodedBodySize + r.reduce((a, e) => a + e.decodedBodySize, 0)];");
      System.out.println(
          "console browser: first load [load ms, bytes transferred, bytes] " + timing);
      axe(js, "sign-in page");

      // A wrong secret and a revoked key: the API's own messages.
      signIn(driver, key.accessKeyId(), "wrong" + key.secretAccessKey().substring(5));
      wait.until(d -> d.getPageSource().contains("InvalidSignatureException"));
      var revoked = cp.accessKeys().create();
      cp.accessKeys().revoke(revoked.accessKeyId());
      driver.navigate().refresh();
      signIn(driver, revoked.accessKeyId(), revoked.secretAccessKey());
      wait.until(d -> d.getPageSource().contains("UnrecognizedClientException"));

      // Signed in from the keyboard alone: Tab to the fields, type, Enter.
      driver.navigate().refresh();
      wait.until(d -> !d.findElements(By.cssSelector("input[name=accessKeyId]")).isEmpty());
      tabTo(driver, "input[name=accessKeyId]", 10);
      new Actions(driver).sendKeys(key.accessKeyId()).perform();
      tabTo(driver, "input[name=secretAccessKey]", 3);
      new Actions(driver).sendKeys(key.secretAccessKey(), Keys.ENTER).perform();
      wait.until(d -> !d.findElements(By.linkText(MARKUP_HOSTNAME)).isEmpty());
      assertThat(js.executeScript("return window.__xss === undefined")).isEqualTo(true);
      assertThat(driver.findElements(By.cssSelector("img[src='x']"))).isEmpty();

      // The initial sync moves on the list, then on the server's page.
      WebElement progress =
          wait.until(
              d -> d.findElements(By.cssSelector("progress")).stream().findFirst().orElse(null));
      double first = Double.parseDouble(progress.getAttribute("value"));
      shot(driver, "source-servers");
      axe(js, "source servers page");

      // Readable at 1280 px and on a narrow window: no sideways scrolling of the page, and the
      // search, the actions and the server's link in view (the table scrolls inside itself).
      assertLaidOut(js, id, "1280 px");
      driver.manage().window().setSize(new Dimension(600, 900));
      wait.until(d -> ((Number) js.executeScript("return window.innerWidth")).intValue() <= 600);
      assertLaidOut(js, id, "600 px");
      shot(driver, "source-servers-narrow");
      driver.manage().window().setSize(new Dimension(1280, 900));
      wait.until(d -> ((Number) js.executeScript("return window.innerWidth")).intValue() > 1000);

      // To the server's page from the keyboard: Tab to its link, Enter.
      tabTo(driver, "a[href='#/servers/" + id + "']", 200);
      new Actions(driver).sendKeys(Keys.ENTER).perform();
      wait.until(d -> !d.findElements(By.id("server-hostname")).isEmpty());
      waitUpTo(driver, 90)
          .until(
              d ->
                  d.findElement(By.id("replication-state")).getText().equals("Healthy")
                      && d.findElement(By.id("next-step"))
                          .getText()
                          .equals("Launch a test instance"));
      assertThat(first).isLessThan(100);
      // The lag chart: the last hour as the control plane kept it from the agent's heartbeats.
      wait.until(
          d -> {
            String n = d.findElement(By.id("lag-chart")).getDomAttribute("data-samples");
            return n != null && n.matches("[1-9][0-9]*");
          });
      assertThat(
              Integer.parseInt(
                  driver.findElement(By.id("lag-chart")).getDomAttribute("data-samples")))
          .isBetween(1, 361);

      // A launch setting edited in the page is the API's setting.
      driver.findElement(By.xpath("//button[normalize-space()='Launch settings']")).click();
      wait.until(d -> !d.findElements(By.cssSelector("[data-setting=copyPrivateIp]")).isEmpty());
      driver.findElement(By.xpath("//button[normalize-space()='Edit']")).click();
      // The toggle's checkbox: the nearest one around the text "Copy private IP" in the form.
      wait.until(
          d ->
              (Boolean)
                  js.executeScript(
                      "for (const l of document.querySelectorAll('form *')) {"
                          + " if (l.childElementCount || l.textContent.trim() !== 'Copy private IP')"
                          + " continue;"
                          + " for (let p = l; p; p = p.parentElement) {"
                          + "  const box = p.querySelector('input[type=checkbox]');"
                          + "  if (box) { box.click(); return true; } } }"
                          + "return false;"));
      driver.findElement(By.xpath("//button[normalize-space()='Save']")).click();
      wait.until(
          d ->
              d.findElement(By.cssSelector("[data-setting=copyPrivateIp]"))
                  .getText()
                  .equals("Yes"));
      assertThat(cp.call("GetLaunchConfiguration", "{\"sourceServerID\":\"" + id + "\"}"))
          .contains("\"copyPrivateIp\":true");

      // Start a test launch from the "Test and cutover" menu, confirmed, and watch its log to
      // the end: the job's events arrive in the page as they come, up to JOB_END and COMPLETED.
      driver.findElement(By.xpath("//button[normalize-space()='Test and cutover']")).click();
      driver.findElement(By.xpath("//*[normalize-space()='Launch test instances']")).click();
      WebElement confirm =
          wait.until(d -> d.findElement(By.xpath("//button[normalize-space()='Start test']")));
      assertThat(driver.getPageSource()).contains("launches a test instance");
      confirm.click();
      wait.until(d -> d.getPageSource().contains("JOB_START"));
      // The screenshot of a launch shows its log as it comes, with the dashboard above it.
      js.executeScript(
          "document.querySelector('.job-event').closest('table').scrollIntoView({block: 'end'})");
      shot(driver, "server-launch");
      String jobId =
          JSON.readTree(cp.call("DescribeJobs", "{}")).path("items").get(0).path("jobID").asText();
      assertThat(cp.call("DescribeJobs", "{}")).contains("\"initiatedBy\":\"START_TEST\"");
      waitUpTo(driver, 90)
          .until(
              d ->
                  d.findElements(By.cssSelector(".job-event")).stream()
                          .anyMatch(e -> e.getText().equals("JOB_END"))
                      && d.findElements(By.cssSelector(".job-status")).stream()
                          .anyMatch(e -> e.getText().equals("COMPLETED")));
      assertThat(driver.getPageSource()).contains("SNAPSHOT_START");
      // The same job in the launch history, with its whole log (no reload: the key is in memory).
      js.executeScript("window.location.hash = '#/jobs/' + arguments[0]", jobId);
      wait.until(
          d ->
              d.getPageSource().contains("Job " + jobId)
                  && d.findElements(By.cssSelector(".job-event")).stream()
                      .anyMatch(e -> e.getText().equals("JOB_END")));
      assertThat(
              JSON.readTree(cp.call("DescribeJobs", "{}"))
                  .path("items")
                  .get(0)
                  .path("status")
                  .asText())
          .isEqualTo("COMPLETED");

      // The replication servers: the fleet from the control plane, with this server's disk.
      js.executeScript("window.location.hash = '#/replication-servers'");
      wait.until(
          d ->
              d.findElements(By.cssSelector(".replicator-state")).stream()
                      .anyMatch(e -> e.getText().equals("Live"))
                  && !d.findElements(By.cssSelector("a[href='#/servers/" + id + "']")).isEmpty());
      assertThat(driver.findElement(By.cssSelector(".replicator-disks")).getText())
          .startsWith("2 of 15");
      axe(js, "replication servers page");

      // A forged signature from the page's own origin is refused by the API.
      Object forged =
          js.executeAsyncScript(
              "const done = arguments[arguments.length - 1];"
                  + "const d = new Date().toISOString().replace(/[-:]/g,'').replace(/\\.\\d{3}/,'');"
                  + "fetch('/DescribeSourceServers', {method: 'POST', body: '{}', headers: {"
                  + " 'x-amz-date': d, authorization: 'AWS4-HMAC-SHA256 Credential="
                  + key.accessKeyId()
                  + "/' + d.slice(0,8) + '/us-east-1/mgn/aws4_request, SignedHeaders=host;x-amz-date,"
                  + " Signature=' + '0'.repeat(64)}}).then(r => r.text().then(t => done(r.status + ' ' + t)));");
      assertThat(String.valueOf(forged)).startsWith("403").contains("signature");

      // Sign out: the key is gone; the page asks again. Cloudscape renders the utility as a link
      // or a button around a label span: click the control itself, whichever it is.
      wait.until(
          d ->
              Boolean.TRUE.equals(
                  js.executeScript(
                      "const c = [...document.querySelectorAll('button, a')]"
                          + ".find(e => e.textContent.trim() === 'Sign out');"
                          + "if (c) { c.click(); } return !!c;")));
      wait.until(d -> !d.findElements(By.id("sign-in")).isEmpty());

      // A cross-site form post has no credential to ride on: refused, nothing started.
      String jobsBefore = cp.call("DescribeJobs", "{}");
      driver.get(
          "data:text/html,<form method=post enctype=text/plain action='"
              + base
              + "/StartTest'><input name='{\"sourceServerIDs\":[\""
              + id
              + "\"],\"x\":\"' value='\"}'></form><script>document.forms[0].submit()</script>");
      wait.until(d -> d.getPageSource().contains("MissingAuthenticationToken"));
      assertThat(cp.call("DescribeJobs", "{}")).isEqualTo(jobsBefore);
    } catch (Throwable e) {
      shot(driver, "failure");
      throw e;
    } finally {
      driver.quit();
    }
  }

  /** A wait that looks again when the page re-rendered what it was reading (polling pages do). */
  private static WebDriverWait waitUpTo(WebDriver driver, int seconds) {
    WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(seconds));
    wait.ignoring(StaleElementReferenceException.class);
    return wait;
  }

  /** Presses Tab (nothing else) until the focused element matches {@code css}. */
  private static void tabTo(WebDriver driver, String css, int maxTabs) {
    JavascriptExecutor js = (JavascriptExecutor) driver;
    for (int i = 0; i <= maxTabs; i++) {
      if (Boolean.TRUE.equals(
          js.executeScript(
              "return !!document.activeElement && document.activeElement.matches(arguments[0])",
              css))) {
        return;
      }
      new Actions(driver).sendKeys(Keys.TAB).perform();
    }
    throw new AssertionError(maxTabs + " presses of Tab never reached " + css);
  }

  /**
   * The source-servers page fits the window: the page itself never scrolls sideways, and the search
   * field, the action menus and the server's link are inside the window.
   */
  @SuppressWarnings("unchecked")
  private static void assertLaidOut(JavascriptExecutor js, String id, String width) {
    Map<String, Object> laidOut =
        (Map<String, Object>)
            js.executeScript(
                "const vw = document.documentElement.clientWidth;"
                    + "const inView = (e) => { if (!e) return false;"
                    + " const r = e.getBoundingClientRect();"
                    + " return r.width > 0 && r.height > 0 && r.left >= 0 && r.right <= vw + 1; };"
                    + "const button = (t) => [...document.querySelectorAll('button')]"
                    + ".find(b => b.textContent.trim() === t);"
                    + "return {overflowPx: document.documentElement.scrollWidth - vw,"
                    + " search: inView(document.querySelector("
                    + "'input[aria-label=\"Find source servers\"]')),"
                    + " testAndCutover: inView(button('Test and cutover')),"
                    + " replication: inView(button('Replication')),"
                    + " server: inView(document.querySelector('a[href=\"#/servers/' + arguments[0]"
                    + " + '\"]'))};",
                id);
    assertThat(((Number) laidOut.get("overflowPx")).intValue())
        .as("sideways overflow at " + width + ": " + laidOut)
        .isLessThanOrEqualTo(0);
    assertThat(laidOut)
        .as("in view at " + width)
        .containsEntry("search", true)
        .containsEntry("testAndCutover", true)
        .containsEntry("replication", true)
        .containsEntry("server", true);
  }

  private static void signIn(WebDriver driver, String id, String secret) {
    WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(20));
    WebElement idField = wait.until(d -> d.findElement(By.cssSelector("input[name=accessKeyId]")));
    idField.sendKeys(id);
    driver.findElement(By.cssSelector("input[name=secretAccessKey]")).sendKeys(secret);
    driver.findElement(By.id("sign-in-button")).click();
  }

  /** axe-core in the page: no serious or critical violation. */
  @SuppressWarnings("unchecked")
  private static void axe(JavascriptExecutor js, String what) throws Exception {
    js.executeScript(Files.readString(AXE));
    Object result =
        js.executeAsyncScript(
            "const done = arguments[arguments.length - 1];"
                + "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations"
                + ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
                + ".map(v => v.id + ': ' + v.help + ': '"
                + " + v.nodes.map(n => n.html.slice(0, 160)).join(' | '))));");
    assertThat((List<String>) result).as("axe-core on the " + what).isEmpty();
  }

  private static void shot(WebDriver driver, String name) throws Exception {
    Files.write(
        SHOTS.resolve(name + ".png"), ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
  }

  /**
   * The base64 SHA-256 of the control plane's certificate's public key (SubjectPublicKeyInfo), as
   * chromium's --ignore-certificate-errors-spki-list takes it; read from the TLS session the pinned
   * client (which checked the chain against the installation's CA) just had.
   */
  private static String spkiSha256(HttpResponse<?> pinned) throws Exception {
    byte[] spki =
        pinned.sslSession().orElseThrow().getPeerCertificates()[0].getPublicKey().getEncoded();
    return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(spki));
  }

  /**
   * Headless chromium that accepts exactly the control plane's certificate: the installation's CA
   * is not in its store, and rather than ignoring every certificate error the test names the one
   * key it trusts, as an operator's browser trusts the CA after importing it.
   */
  private WebDriver chromium(String trustedSpkiSha256) {
    ChromeOptions o = new ChromeOptions();
    o.setBinary(CHROMIUM.toFile());
    o.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--ignore-certificate-errors-spki-list=" + trustedSpkiSha256,
        "--window-size=1280,900",
        "--user-data-dir=" + dir.resolve("chromium"));
    ChromeDriverService service =
        new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).build();
    return new ChromeDriver(service, o);
  }

  private static HttpClient client(ControlPlane cp) throws Exception {
    SSLContext tls = SSLContext.getInstance("TLSv1.3");
    tls.init(
        null,
        new TrustManager[] {new PinnedCaTrustManager(cp.caFingerprint(), ServerRole.CONTROL_PLANE)},
        null);
    return HttpClient.newBuilder().sslContext(tls).build();
  }

  /** Registers a source server through the agent API, as an agent would. */
  private static void register(HttpClient http, String base, String token, String hostname)
      throws Exception {
    String body =
        JSON.writeValueAsString(
            Map.of(
                "machineId", "console-test-markup",
                "identificationHints", Map.of("hostname", hostname, "fqdn", "web-02.example"),
                "disks", List.of(Map.of("deviceName", "/dev/vda", "bytes", 1L << 30)),
                "os", Map.of("fullString", "Debian GNU/Linux 12 (bookworm)")));
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/agent/v1/register"))
                .header("authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }
}
