import Foundation
import Testing

@testable import ManagementAPI

/// `openapi.json` is what the daemon serves, and documents exactly the routes it has (schemathesis, run
/// by `make test`, then checks the behaviour against it).
@Suite("OpenAPI document")
struct OpenAPIDocumentTests {
    static func shipped() throws -> String {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("openapi.json")
        return try String(contentsOf: url, encoding: .utf8)
    }

    @Test func theServedDocumentIsTheShippedFile() throws {
        let served = try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? NSDictionary
        let shipped = try JSONSerialization.jsonObject(with: Data(try Self.shipped().utf8)) as? NSDictionary
        #expect(served != nil && served == shipped, "run `make embed` after editing openapi.json")
    }

    @Test func everyDocumentedOperationIsARouteAndBack() throws {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var documented: [String] = []
        for (path, item) in paths {
            for method in item.keys where method != "parameters" {
                let concrete = path.replacingOccurrences(of: "{id}", with: "c1")
                #expect(KnownRoutes.methods(for: concrete)?.map { $0.rawValue.lowercased() }.contains(method) == true, "\(method) \(path) is not a route")
                documented.append("\(method) \(path)")
            }
        }
        #expect(documented.count == 14)
        #expect(KnownRoutes.methods(for: "/v1/calls/c1/hangup") == [.post])
        #expect(KnownRoutes.methods(for: "/v1/calls/c1/nothing") == nil)
        #expect(KnownRoutes.methodNotAllowed(.delete, "/v1/calls/c1")?.status == .methodNotAllowed)
    }
}
