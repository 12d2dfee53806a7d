# voicegatewayd: build, run and test. `make run` and `make test` install what they need (as root).

SWIFT ?= swift
CONFIGURATION ?= debug
# Debian packages the build and the tests need: C libraries, the speech model, and tools the tests use.
APT_PACKAGES = libespeak-ng-dev espeak-ng-data libpocketsphinx-dev pocketsphinx-en-us libsamplerate0-dev \
               libopus-dev libhiredis-dev librdkafka-dev libssl-dev pkg-config
APT_TEST_PACKAGES = espeak-ng redis-server kcat chromium
APT = DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120

.PHONY: all deps test-deps build release run check-config test test-stability embed clean help bench-state-events fuzz bench-media bench-speech bench-turn bench-barge-in bench-calls

all: build

help:
	@echo "make run           build and run the daemon on its embedded default configuration"
	@echo "make test          install test dependencies and run every test, then schemathesis against the API"
	@echo "make test-stability  the whole suite RUNS=5 times in a row, LOAD=2 busy loops beside it; fails on a leftover process"
	@echo "make release       optimised build (.build/release/voicegatewayd)"
	@echo "make check-config  validate the configuration (CONFIG=path to overlay a file)"
	@echo "make embed         regenerate the embedded OpenAPI document (openapi.json)"
	@echo "make bench-state-events  spool, Redis and Kafka-outage benchmark (JSON on the last line)"
	@echo "make fuzz          run each libFuzzer target for FUZZ_SECONDS (default 60)"
	@echo "make bench-media   media load benchmark: CALLS=1000 SECONDS=30 [TRANSPORT=rtp|audiosocket] [RTP_SOCKET=shared|per_call] [REALTIME_PRIORITY=1..99]"
	@echo "make bench-calls   whole conversations under load (daemon process, fake Asterisk, 50 ms fake STT/chat/TTS): CALLS=100 SECONDS=30 [TRANSPORT=rtp|audiosocket]; compare with ../shared/baseline/run.sh SECONDS fir CALLS"
	@echo "make bench-speech  measure TTS adapter overhead (vendor first byte -> first frame) against fake vendors"
	@echo "make bench-barge-in  barge-in fixtures: self-interruptions on echoed prompts, interruptions caught, playback stop time [GUARD=0]"
	@echo "make bench-turn    turn latency with 50 ms fake STT/LLM/TTS: end of speech -> first reply frame, the gateway's share, sentence gaps [CALLS=10 TURNS=20 STT=batch|stream EARLY_MS=0]"

# Installs missing Debian packages when run as root; otherwise says what to install.
define apt_ensure
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    $(APT) update -qq && $(APT) install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "missing Debian packages:$$missing"; echo "install them with: sudo apt-get install$$missing"; exit 1; \
	  fi; \
	fi
endef

deps:
	$(call apt_ensure,$(APT_PACKAGES))

test-deps: deps
	$(call apt_ensure,$(APT_TEST_PACKAGES))

build: deps
	$(SWIFT) build -c $(CONFIGURATION) --product voicegatewayd

release:
	$(MAKE) build CONFIGURATION=release

run: build
	./.build/$(CONFIGURATION)/voicegatewayd run $(if $(CONFIG),--config $(CONFIG),)

check-config: build
	./.build/$(CONFIGURATION)/voicegatewayd check-config $(if $(CONFIG),--config $(CONFIG),)

test: test-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	./scripts/schemathesis.sh

RUNS ?= 5
LOAD ?= 0
test-stability: test-deps
	RUNS=$(RUNS) LOAD=$(LOAD) ./scripts/stability.sh

# Spool throughput per fsync policy, Redis round trip per call-state update, events across a Kafka outage.
bench-state-events: test-deps
	$(SWIFT) build -c release --product bench-state-events
	$(SWIFT) build -c release --product kafka-mock-cluster
	./.build/release/bench-state-events
FUZZ_SECONDS ?= 60
fuzz: deps
	./scripts/fuzz.sh $(FUZZ_SECONDS)

CALLS ?= 100
SECONDS ?= 30
TRANSPORT ?= rtp
RTP_SOCKET ?= shared
REALTIME_PRIORITY ?= 0
bench-media: deps
	$(SWIFT) build -c release --product MediaLoad
	./.build/release/MediaLoad --calls $(CALLS) --seconds $(SECONDS) --transport $(TRANSPORT) --rtp-socket $(RTP_SOCKET) --realtime-priority $(REALTIME_PRIORITY)
# The daemon (release) as its own process under N whole conversations; JSON on the last line. The CPU
# targets are ratios to the C relay (../shared/baseline/run.sh SECONDS fir N) run right before or after.
bench-calls: deps
	$(SWIFT) build -c release --product voicegatewayd
	$(SWIFT) build -c release --product bench-calls
	CALLS=$(CALLS) SECONDS=$(SECONDS) TRANSPORT=$(TRANSPORT) ./.build/release/bench-calls

# Release build; the last line printed is one JSON object (per provider p50/p99 in microseconds).

bench-speech: deps
	$(SWIFT) build -c release --product bench-speech
	./.build/release/bench-speech

bench-turn: deps
	$(SWIFT) build -c release --product bench-turn
	CALLS=$(or $(CALLS),10) TURNS=$(or $(TURNS),20) STT=$(or $(STT),batch) EARLY_MS=$(or $(EARLY_MS),0) ./.build/release/bench-turn

# Deterministic (no clock, no sockets): the fixture set through the voice detector, echo guard and judge.
bench-barge-in: deps
	$(SWIFT) build -c release --product bench-barge-in
	GUARD=$(or $(GUARD),1) ./.build/release/bench-barge-in

embed:
	./scripts/embed-defaults.sh

clean:
	rm -rf .build var
