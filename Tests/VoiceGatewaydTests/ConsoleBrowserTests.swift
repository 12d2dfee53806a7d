import Domain
import Foundation
import ManagementAPI
import Testing
import TestSupport

@testable import VoiceGatewayd

/// The operator console at `/console` in a real headless Chromium against the daemon and the fake
/// Asterisk: it loads without a console error, a call appears live, its lines stream in, an operator's
/// line and hangup work, an outbound call placed from the form ends busy among the recent calls.
@Suite("Operator console in Chromium", .serialized, .enabled(if: HeadlessChromium.binary != nil))
struct ConsoleBrowserTests {
    /// Waits until `expression` (a JavaScript expression) is true in the page.
    static func until(_ browser: HeadlessChromium, _ expression: String, timeout: Duration = .seconds(30)) async -> Bool {
        await eventually(timeout: timeout) { (try? await browser.evaluate("return Boolean(\(expression))")) == "true" }
    }

    @Test func aSupervisorWatchesACallLiveSpeaksAndHangsUp() async throws {
        let harness = try await DaemonHarness.start(environment: [
            "VOICEGW_HTTP_AUTH_HS256_SECRET": OperatorAPIEndToEndTests.secret, "VOICEGW_CALLS_ALLOWED_DESTINATIONS": "+1555*",
        ])
        #expect(try await eventually { try await harness.get("/ready").status == 200 })
        let browser = try await HeadlessChromium()
        do {
            try await browser.open(harness.baseURL + "/console")
            #expect(try await browser.evaluate("return document.title") == #""voicegatewayd console""#)
            let token = try await OperatorAPIEndToEndTests.token(scope: [.callsRead, .callsWrite])
            _ = try await browser.evaluate("document.querySelector('#token').value = '\(token)'; document.querySelector('#login').requestSubmit(); return true")
            #expect(await Self.until(browser, "document.querySelector('#feed-status').dataset.state === 'live'"), "the event stream never opened")
            #expect(try await browser.evaluate("return document.querySelector('#who').textContent") == #""tenant default · calls:read calls:write""#)

            // An inbound call appears without a reload; its greeting is in the transcript.
            let placed = ContinuousClock.now
            let channel = harness.fake.placeCall()
            #expect(await Self.until(browser, "document.querySelector('#live-calls tr')"), "the call never appeared")
            let appeared = ContinuousClock.now - placed
            print("console: the call appeared \(appeared) after the fake placed it")
            _ = try await browser.evaluate("document.querySelector('#live-calls tr').click(); return true")
            #expect(await Self.until(browser, "document.querySelector('#transcript li[data-speaker=\"agent\"]')"), "no agent line")
            #expect(await Self.until(browser, "document.querySelector('#live-calls [data-field=state]').textContent === 'active'"))

            // An operator's line goes out and streams back into the transcript.
            _ = try await browser.evaluate("""
                const form = document.querySelector('#say-form'); form.text.value = 'A supervisor joined.'; form.requestSubmit(); return true
                """)
            #expect(await Self.until(browser, "[...document.querySelectorAll('#transcript li')].some(li => li.textContent === 'system: A supervisor joined.')"),
                    "the operator's line never streamed in")
            let shot = try await browser.screenshot()
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("voicegatewayd-console.png")
            try shot.write(to: path)
            print("console: screenshot \(path.path) (\(shot.count) bytes)")

            _ = try await browser.evaluate("document.querySelector('#hangup').click(); return true")
            #expect(await Self.until(browser, "document.querySelectorAll('#live-calls tr').length === 0"), "the call stayed live")
            #expect(await Self.until(browser, "document.querySelector('#recent-calls [data-field=reason]')?.textContent === 'gateway_hangup'"))
            #expect(await eventually { harness.fake.channels[channel] == nil })

            // The originate form places a call; busy, it ends among the recent calls.
            _ = try await browser.evaluate("""
                const form = document.querySelector('#originate-form'); form.to.value = '+15557654321'; form.requestSubmit(); return true
                """)
            #expect(await eventually { harness.fake.channels.keys.contains { $0.hasPrefix("voicegw-o-") } }, "the form placed no call")
            let outbound = try #require(harness.fake.channels.keys.first { $0.hasPrefix("voicegw-o-") })
            #expect(await Self.until(browser, "[...document.querySelectorAll('#live-calls [data-field=direction]')].some(td => td.textContent === 'outbound')"))
            harness.fake.busyOriginated(outbound)
            #expect(await Self.until(browser, "[...document.querySelectorAll('#recent-calls [data-field=reason]')].some(td => td.textContent === 'busy')"))
            #expect(browser.errors.isEmpty, "console errors: \(browser.errors)")
        } catch {
            Issue.record("browser: \(error)")
        }
        await browser.close()
        try await harness.stop()
    }
}
