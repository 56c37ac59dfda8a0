{
  "targets": [
    {
      "target_name": "bridgehead",
      "sources": [
        "<!@(node -p \"['native/core','native/io','native/napi'].flatMap(d => require('fs').readdirSync(d).filter(f => f.endsWith('.c')).sort().map(f => d + '/' + f)).join(' ')\")"
      ],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-pthread", "-fvisibility=hidden"],
      "cflags_c": ["-std=gnu11"],
      "ldflags": ["-pthread"],
      "libraries": ["-luring"]
    }
  ]
}
