// The wall screen's 全屏 button (Fullscreen API); htmx refreshes the body every 60 s (hx-trigger).
(function () {
  var button = document.getElementById("wall-fullscreen");
  if (!button) { return; }
  if (!document.fullscreenEnabled) { button.hidden = true; return; }
  button.addEventListener("click", function () {
    if (document.fullscreenElement) {
      document.exitFullscreen();
    } else {
      document.documentElement.requestFullscreen().catch(function () {});
    }
  });
  document.addEventListener("fullscreenchange", function () {
    button.innerHTML = document.fullscreenElement
      ? '<i class="ti ti-minimize"></i> 退出全屏' : '<i class="ti ti-maximize"></i> 全屏';
  });
})();
