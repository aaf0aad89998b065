// Entry point for `node --test tests/standins/`: Node 20's runner only picks up
// files named like *.test.js, so this loads selftest.js, where the tests live.
'use strict';
require('./selftest.js');
