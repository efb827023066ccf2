package io.liftshift.converter.plan.windows;

import java.util.List;

/**
 * The PowerShell script a converted Windows server runs once after its first logon: installs the
 * staged AWS drivers with pnputil (so that they are in the driver store as Windows itself would put
 * them), installs EC2Launch v2 where the conversion server had it, resets every adapter to DHCP and
 * reports on COM1, the serial console that GetConsoleOutput reads. It runs only on Windows, so
 * nothing here proves that it works: see docs/windows.md.
 */
final class FirstBootScript {
  private FirstBootScript() {}

  static String render(List<DriverPackage> packages, boolean ec2Launch) {
    StringBuilder s = new StringBuilder();
    s.append(
        "# liftshift first boot: runs once, from RunOnce (the same for every launch of a source).\n");
    s.append("$ErrorActionPreference = 'Continue'\n");
    s.append("$base = Join-Path $env:ProgramData 'liftshift'\n");
    s.append("Start-Transcript -Path (Join-Path $base 'first-boot.log') -Append\n");
    s.append("$failed = @()\n");
    for (DriverPackage p : packages) {
      s.append("& pnputil.exe /add-driver (Join-Path $base 'drivers\\")
          .append(p.name())
          .append('\\')
          .append(p.infFile())
          .append("') /install\n");
      s.append("if ($LASTEXITCODE -ne 0 -and $LASTEXITCODE -ne 3010) { $failed += '")
          .append(p.name())
          .append("' }\n");
    }
    if (ec2Launch) {
      s.append(
          "$p = Start-Process msiexec.exe -Wait -PassThru -ArgumentList '/i',"
              + " (Join-Path $base 'AmazonEC2Launch.msi'), '/qn', '/norestart'\n");
      s.append("if ($p.ExitCode -ne 0 -and $p.ExitCode -ne 3010) { $failed += 'EC2Launch' }\n");
    }
    s.append("Get-NetAdapter | ForEach-Object {\n");
    s.append("  Set-NetIPInterface -InterfaceIndex $_.ifIndex -Dhcp Enabled\n");
    s.append("  Remove-NetRoute -InterfaceIndex $_.ifIndex -DestinationPrefix '0.0.0.0/0'")
        .append(" -Confirm:$false -ErrorAction SilentlyContinue\n");
    s.append("  Set-DnsClientServerAddress -InterfaceIndex $_.ifIndex -ResetServerAddresses\n");
    s.append("}\n");
    s.append("$line = if ($failed.Count -eq 0) { '")
        .append(WindowsConversionPlanner.FIRST_BOOT_MARKER)
        .append("' } else { 'liftshift-first-boot: FAILED ' + ($failed -join ',') }\n");
    s.append("try {\n");
    s.append("  $com = New-Object System.IO.Ports.SerialPort 'COM1', 115200\n");
    s.append("  $com.Open(); $com.WriteLine($line); $com.Close()\n");
    s.append("} catch { }\n");
    s.append("Write-Output $line\n");
    s.append("Stop-Transcript\n");
    return s.toString().replace("\n", "\r\n");
  }
}
