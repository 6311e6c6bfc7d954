; Inno Setup 6 script of Gradient Descent Studio's Windows installer.
;
; Per-user install without administrator rights (into %LOCALAPPDATA%\Programs), a
; Start-menu entry, an optional desktop icon, an uninstaller (Settings > Apps), and a
; fixed AppId so that a newer version upgrades an older one in place.
;
; Build the frozen folder first (python packaging\build.py), then, from the repository:
;
;   iscc /DAppVersion=0.1.0 packaging\windows\gdstudio.iss
;
; Defines (/D...): AppVersion (required: the version in gdstudio\_version.py; the release
; workflow passes it), AppSourceDir (default ..\..\build\packaging\dist\gdstudio),
; AppOutputDir (default ..\..\build\packaging). Relative paths are relative to this file.
; Output: gdstudio-<version>-windows-x64-setup.exe.
;
; Silent install and uninstall (used by the release workflow's test):
;   gdstudio-...-setup.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /CURRENTUSER
;   "%LOCALAPPDATA%\Programs\Gradient Descent Studio\unins000.exe" /VERYSILENT

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z packaging\windows\gdstudio.iss
#endif
#ifndef AppSourceDir
  #define AppSourceDir "..\..\build\packaging\dist\gdstudio"
#endif
#ifndef AppOutputDir
  #define AppOutputDir "..\..\build\packaging"
#endif
#define AppName "Gradient Descent Studio"
#define AppExeName "gdstudio.exe"

[Setup]
; Never change the AppId: it is how Windows knows later versions are the same app.
AppId={{304907F9-C645-4088-86B2-F3D2D9C6CADF}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=The Gradient Descent Studio developers
AppComments=Learn gradient descent by doing it
; Per user, no UAC prompt: {autopf} is %LOCALAPPDATA%\Programs in this mode.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=commandline
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
DisableDirPage=auto
UsePreviousAppDir=yes
OutputDir={#AppOutputDir}
OutputBaseFilename=gdstudio-{#AppVersion}-windows-x64-setup
SetupIconFile=..\..\resources\icons\gdstudio.ico
UninstallDisplayIcon={app}\{#AppExeName}
UninstallDisplayName={#AppName}
WizardStyle=modern
Compression=lzma2
SolidCompression=yes
; Qt 6 runs on 64-bit Windows 10 and later.
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
CloseApplications=yes
RestartApplications=no

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; An upgrade replaces the bundled runtime as a whole: no stale DLL of an older Qt or
; numpy may stay next to the new ones.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#AppSourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExeName}"; Comment: "Learn gradient descent by doing it"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExeName}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExeName}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
Type: filesandordirs; Name: "{app}\_internal"
