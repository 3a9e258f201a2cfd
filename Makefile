# Thin wrapper over scripts/setup.sh, CMake and ctest. CMake stays the source of truth.
LISTEN ?= 127.0.0.1:8080
DATA ?= ./var
# The sandbox clearing scheme `make run` starts beside the server (docs/payments/scheme.md).
SCHEME_LISTEN ?= 127.0.0.1:8091
SCHEME_DATA ?= ./var-scheme
JOBS ?= 2
BUILD_DIR ?= build
ASAN_DIR ?= build-asan

.PHONY: all deps test-deps build test run format clean debug test-asan tsan test-tsan

all: build

deps:
	./scripts/setup.sh

# What only the tests need (test tools, the pinned Node.js, the suites' npm packages).
test-deps:
	./scripts/setup.sh --test

build: deps
	@if [ ! -f $(BUILD_DIR)/build.ninja ]; then \
	  cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release; \
	fi
	cmake --build $(BUILD_DIR) -j$(JOBS)

test: build test-deps
	ctest --test-dir $(BUILD_DIR) --output-on-failure --no-tests=error -j$(JOBS)

# The server, and the sandbox scheme its external payments go to (stopped with it).
run: build
	@./$(BUILD_DIR)/corebank scheme --listen $(SCHEME_LISTEN) --data $(SCHEME_DATA) & \
	  scheme=$$!; trap 'kill $$scheme 2>/dev/null' EXIT INT TERM; \
	  ./$(BUILD_DIR)/corebank serve --data $(DATA) --listen $(LISTEN) \
	    --scheme-url http://$(SCHEME_LISTEN)

# Debug build with ASan/UBSan and the expensive invariant checks.
debug: deps
	@if [ ! -f $(ASAN_DIR)/build.ninja ]; then \
	  cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	    -DCB_SANITIZE=ON -DCB_EXPENSIVE_CHECKS=ON; \
	fi
	cmake --build $(ASAN_DIR) -j$(JOBS)

test-asan: debug test-deps
	ctest --test-dir $(ASAN_DIR) --output-on-failure --no-tests=error -j$(JOBS)

# Thread sanitizer build (data races), system allocator.
TSAN_DIR ?= build-tsan
tsan: deps
	@if [ ! -f $(TSAN_DIR)/build.ninja ]; then \
	  cmake -S . -B $(TSAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCB_TSAN=ON; \
	fi
	cmake --build $(TSAN_DIR) -j$(JOBS)

test-tsan: tsan test-deps
	TSAN_OPTIONS=halt_on_error=1 ctest --test-dir $(TSAN_DIR) --output-on-failure --no-tests=error -j$(JOBS)

format:
	find src tests bench -type f \( -name '*.h' -o -name '*.cc' \) -print0 \
	  | xargs -0 -r clang-format -i

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR)
