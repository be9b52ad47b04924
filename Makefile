# A thin layer over the CMake presets (CMakePresets.json). The README's two commands:
#   make ab     install what is missing, build both variants, compare them (the main job)
#   make test   install what is missing, build both variants, run every test suite in both
#   make docs   the API reference (doxygen); make lint: the checks CI runs besides the tests
JOBS ?= 2
MAKEFLAGS += --no-print-directory
PRESETS := gil nogil
SAN_PRESETS := asan-gil asan-nogil tsan-gil tsan-nogil

.PHONY: all deps test sanitize ab fuzz docs lint clean $(addprefix build-,$(PRESETS) $(SAN_PRESETS))

all: build-gil build-nogil

deps:
	@bash scripts/install-deps.sh

# A static pattern rule: make does not search implicit rules for .PHONY targets.
$(addprefix build-,$(PRESETS) $(SAN_PRESETS)): build-%: deps
	cmake --preset $* >/dev/null
	cmake --build --preset $* -j $(JOBS)

test: deps build-gil build-nogil
	ctest --preset gil
	ctest --preset nogil

sanitize: deps $(addprefix build-,$(SAN_PRESETS))
	ctest --preset asan-gil
	ctest --preset asan-nogil
	ctest --preset tsan-gil
	ctest --preset tsan-nogil

ab: deps build-gil build-nogil
	python3 bench/ab.py $(if $(QUICK),--quick) $(if $(THREADS),--threads $(THREADS))

fuzz: deps
	bash tests/fuzz/run.sh $(if $(SECONDS),$(SECONDS),300)

# The API reference from the public headers' comments: build-docs/html/index.html.
docs: deps
	mkdir -p build-docs
	FTC_DOCS_OUT=build-docs doxygen Doxyfile
	@echo "docs: build-docs/html/index.html (warnings, if any: build-docs/warnings.log)"

# The house rules CI enforces: documented public symbols, the layer map, formatting of every
# C file, clang-tidy on the library (scripts/*; see README, "Checks").
lint: deps
	bash scripts/check-docs.sh
	python3 scripts/check-layers.py --self-test
	python3 scripts/check-layers.py
	bash scripts/check-format.sh --all
	bash scripts/check-tidy.sh

clean:
	rm -rf build-* ab
