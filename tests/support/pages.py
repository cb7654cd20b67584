"""Pages in the shapes that real sites use; ``{base}`` is the origin's base URL."""

OPEN_GRAPH = """<!doctype html><html><head>
<title>Open Graph page</title>
<meta property="og:title" content="Open/Graph: a clip? | part 1">
<meta property="og:type" content="video.other">
<meta property="og:image" content="{base}/media/thumb.jpg">
<meta property="og:video" content="{base}/media/progressive.mp4">
<meta property="og:video:type" content="video/mp4">
<meta property="og:video:width" content="640">
<meta property="og:video:height" content="360">
</head><body><p>A post with a video.</p></body></html>"""

JSON_LD = """<!doctype html><html><head><title>JSON-LD page</title>
<script type="application/ld+json">
{"@context": "https://schema.org", "@type": "VideoObject",
 "name": "JSON-LD clip", "description": "A clip described with schema.org",
 "thumbnailUrl": "{base}/media/thumb.jpg", "uploadDate": "2026-01-02",
 "duration": "PT4S", "contentUrl": "{base}/media/progressive.mp4",
 "author": {"@type": "Person", "name": "Sample Author"}}
</script></head><body><h1>JSON-LD clip</h1></body></html>"""

HTML5 = """<!doctype html><html><head><title>HTML5 video page</title></head><body>
<h1>HTML5 video</h1>
<video controls poster="/media/thumb.jpg" width="640">
  <source src="/media/progressive.mp4" type="video/mp4">
  Your browser does not support video.
</video></body></html>"""

HLS_PLAYER = """<!doctype html><html><head><title>Player page</title>
<script src="https://cdn.example.invalid/jwplayer.js"></script></head><body>
<div id="player"></div>
<script>
jwplayer("player").setup({
  "title": "HLS player clip",
  "image": "{base}/media/thumb.jpg",
  "file": "{base}/media/{playlist}",
  "type": "hls"
});
</script></body></html>"""

TWO_VIDEOS = """<!doctype html><html><head><title>Two clips</title></head><body>
<video controls><source src="/media/progressive.mp4" type="video/mp4"></video>
<video controls><source src="/media/hls_ts/master.m3u8" type="application/x-mpegURL"></video>
</body></html>"""

NO_VIDEO = """<!doctype html><html><head><title>Just text</title></head><body>
<article><h1>Nothing to watch</h1><p>This page has no video at all.</p></article>
</body></html>"""
